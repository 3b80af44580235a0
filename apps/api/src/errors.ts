/**
 * One error shape for every failure the API reports: `{ error: { code, message, ...details } }`.
 * Handlers throw HttpError; the error middleware is the only place that turns anything into a response,
 * so a library's error (body parser, router) gets the same shape and never a stack trace.
 */

import type { Middleware } from 'koa'
import type { Logger } from 'pino'
import { DuplicateRecordError, MissingReferenceError, StoreUnavailableError } from './store/types.ts'

export class HttpError extends Error {
  readonly status: number
  readonly code: string
  readonly details: Record<string, unknown> | undefined
  readonly headers: Record<string, string> | undefined

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.details = options.details
    this.headers = options.headers
  }
}

interface LibraryHttpError {
  name?: string
  status?: number
  statusCode?: number
  expose?: boolean
  type?: string
  limit?: number
  headers?: Record<string, string>
  message?: string
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  501: 'not_implemented',
}

/** Maps errors from Koa's ecosystem (http-errors, raw-body, co-body) onto our shape. */
const fromLibrary = (err: LibraryHttpError): HttpError | undefined => {
  const status = err.status ?? err.statusCode
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined
  if (err.type === 'entity.too.large') {
    return new HttpError(413, 'payload_too_large', `request body exceeds the limit of ${err.limit} bytes`)
  }
  // co-body marks a JSON body it could not parse only as a SyntaxError with status 400.
  if (err.type === 'entity.parse.failed' || (status === 400 && err.name === 'SyntaxError')) {
    return new HttpError(400, 'invalid_json', 'request body is not valid JSON (an object or an array)')
  }
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return new HttpError(415, 'unsupported_media_type', 'unsupported body encoding')
  }
  const message = err.expose && err.message ? err.message : 'request rejected'
  return new HttpError(status, STATUS_CODES[status] ?? 'bad_request', message, { headers: err.headers ?? {} })
}

/** How long a client should wait before retrying while the database is down. */
const DATABASE_RETRY_AFTER_SECONDS = '5'

/**
 * The store's typed errors: a broken constraint is the caller's conflict (4xx), a database that
 * is down is ours (503, retry later); either way the message says which, never the SQL.
 */
const fromStore = (err: unknown): HttpError | undefined => {
  if (err instanceof StoreUnavailableError) {
    return new HttpError(503, 'database_unavailable', 'the database is unavailable; retry shortly', {
      headers: { 'retry-after': DATABASE_RETRY_AFTER_SECONDS },
    })
  }
  if (err instanceof DuplicateRecordError) return new HttpError(409, 'conflict', err.message)
  if (err instanceof MissingReferenceError) return new HttpError(404, 'not_found', err.message)
  return undefined
}

export const errorHandler =
  (logger: Logger): Middleware =>
  async (ctx, next) => {
    try {
      await next()
      if (ctx.status === 404 && ctx.body == null) {
        throw new HttpError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`)
      }
    } catch (caught) {
      const known =
        caught instanceof HttpError ? caught : (fromStore(caught) ?? fromLibrary(caught as LibraryHttpError))
      const error = known ?? new HttpError(500, 'internal_error', 'internal error')
      if (error.status === 503) logger.warn({ err: caught, route: routeOf(ctx) }, 'database unavailable')
      if (!known) {
        // Only the error itself: request bodies and headers may hold credentials.
        logger.error({ err: caught, method: ctx.method, route: routeOf(ctx) }, 'unhandled error')
      }
      ctx.status = error.status
      for (const [name, value] of Object.entries(error.headers ?? {})) ctx.set(name, value)
      ctx.body = { error: { code: error.code, message: error.message, ...error.details } }
    }
  }

/**
 * The route template (`/api/dashboards/:id/share`), never the raw URL: a path or a query string can
 * carry ids, e-mails or tokens, and logs must not.
 */
export const routeOf = (ctx: object): string => {
  const route = (ctx as { _matchedRoute?: unknown })._matchedRoute
  return typeof route === 'string' ? route : '(unmatched)'
}
