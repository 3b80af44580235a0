/**
 * The console shows data across tenants: every /api/ call carries `Authorization: Bearer <token>`.
 * Compared in constant time; the token is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Middleware } from 'koa'
import { HttpError } from './errors.ts'

const digest = (value: string) => createHash('sha256').update(value).digest()

export function requireToken(token: string): Middleware {
  const expected = digest(token)
  return async (ctx, next) => {
    const match = /^Bearer (.+)$/.exec(ctx.get('authorization'))
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new HttpError(
        401,
        'unauthorized',
        'the console needs its token: open the URL the console printed (…/#token=...), or send Authorization: Bearer <CONSOLE_TOKEN>',
      )
    }
    await next()
  }
}
