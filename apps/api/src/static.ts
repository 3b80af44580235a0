/**
 * Serves the built web frontend (apps/web/dist) at `/` when it exists, with headers that keep the
 * page same-origin only: the browser tracker exports to /v1/metrics on this origin and nowhere else.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Middleware } from 'koa'
import serve from 'koa-static'

export const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

export const securityHeaders: Middleware = async (ctx, next) => {
  await next()
  ctx.set('X-Content-Type-Options', 'nosniff')
  ctx.set('Referrer-Policy', 'same-origin')
  if (ctx.path.startsWith('/api/')) ctx.set('Cache-Control', 'no-store')
  if (ctx.response.is('html')) {
    ctx.set('Content-Security-Policy', CSP)
    ctx.set('X-Frame-Options', 'DENY')
  }
}

const isApiPath = (path: string) => path.startsWith('/api/') || path.startsWith('/v1/')

/** Undefined when the frontend has not been built: the API then runs on its own. */
export const webFrontend = (dist: string): Middleware | undefined => {
  if (!existsSync(join(dist, 'index.html'))) return undefined
  const files = serve(dist, { index: 'index.html', maxage: 0 })
  return async (ctx, next) => (isApiPath(ctx.path) ? next() : files(ctx, next))
}
