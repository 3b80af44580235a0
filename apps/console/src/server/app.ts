/**
 * The console's HTTP side: the page (static, no data in it), and a token-protected JSON API that
 * the page polls. `/healthz` is open so process supervisors can probe it.
 */

// The API page's policy: nothing but this origin, no inline script or style, no framing.
import { CSP } from '@feature-analytics/api/static'
import { SourceError, TraceNotFoundError } from '@feature-analytics/insights'
import Router from '@koa/router'
import Koa from 'koa'
import serve from 'koa-static'
import { DEFAULT_WINDOW_SECONDS, WINDOWS } from '../panels.ts'
import { requireToken } from './auth.ts'
import { buildPanels } from './build-panels.ts'
import { errorHandler, HttpError } from './errors.ts'
import { fetchTraceRows, TRACE_ID } from './jaeger.ts'
import type { DataSource } from './sources.ts'

export interface ConsoleAppOptions {
  token: string
  source: DataSource
  jaegerUrl: string | undefined
  /** The built page (build.ts). */
  pageDir: string
}

const ALLOWED_WINDOWS = new Set<number>(WINDOWS.map(([, seconds]) => seconds))

export function parseWindow(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_WINDOW_SECONDS
  const seconds = Number(value)
  if (!ALLOWED_WINDOWS.has(seconds)) {
    throw new HttpError(
      400,
      'invalid_window',
      `window must be one of ${[...ALLOWED_WINDOWS].join(', ')} (seconds), got ${JSON.stringify(value)}`,
    )
  }
  return seconds
}

export function createConsoleApp(options: ConsoleAppOptions): Koa {
  const app = new Koa()
  app.silent = false
  app.use(errorHandler)
  app.use(async (ctx, next) => {
    await next()
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.set('Referrer-Policy', 'no-referrer')
    ctx.set('Cache-Control', 'no-store')
    if (ctx.response.is('html')) {
      ctx.set('Content-Security-Policy', CSP)
      ctx.set('X-Frame-Options', 'DENY')
    }
  })

  const open = new Router()
  open.get('/healthz', (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(open.routes())

  const api = new Router({ prefix: '/api' })
  api.use(requireToken(options.token))
  api.get('/panels', async (ctx) => {
    const windowSeconds = parseWindow(ctx.query.window)
    ctx.body = await buildPanels(options.source, windowSeconds, options.jaegerUrl)
  })
  api.get('/traces/:traceId', async (ctx) => {
    const { traceId } = ctx.params as { traceId: string }
    if (!TRACE_ID.test(traceId)) {
      throw new HttpError(400, 'invalid_trace_id', 'a trace id is 16 to 32 hexadecimal characters')
    }
    if (!options.jaegerUrl) {
      throw new HttpError(
        503,
        'no_trace_backend',
        'no Jaeger configured: set JAEGER_URL, or start the stack (npm run stack:up)',
      )
    }
    try {
      ctx.body = await fetchTraceRows(options.jaegerUrl, traceId)
    } catch (error) {
      if (error instanceof TraceNotFoundError) throw new HttpError(404, 'trace_not_found', error.message)
      if (error instanceof SourceError) throw new HttpError(502, 'jaeger_unreachable', error.message)
      throw error
    }
  })
  app.use(api.routes())
  app.use(api.allowedMethods())
  const page = serve(options.pageDir, { index: 'index.html' })
  app.use(async (ctx, next) => (ctx.path.startsWith('/api/') ? next() : page(ctx, next)))
  return app
}
