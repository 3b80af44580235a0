/** One error shape, `{ error: { code, message } }`, like the API's; never a stack trace. */
import type { Middleware } from 'koa'

export class HttpError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
  }
}

export const errorHandler: Middleware = async (ctx, next) => {
  try {
    await next()
    if (ctx.status === 404 && ctx.body === undefined)
      throw new HttpError(404, 'not_found', `no route ${ctx.path}`)
  } catch (error) {
    const known = error instanceof HttpError
    ctx.status = known ? error.status : 500
    ctx.body = {
      error: known
        ? { code: error.code, message: error.message }
        : { code: 'internal', message: 'internal error' },
    }
    if (!known) ctx.app.emit('error', error, ctx)
  }
}
