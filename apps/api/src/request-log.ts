/** One log line per request: the route template, never the URL, query, headers or body. */
import type { Middleware } from 'koa'
import type { Logger } from 'pino'
import { routeOf } from './errors.ts'

export const requestLog =
  (logger: Logger): Middleware =>
  async (ctx, next) => {
    const start = performance.now()
    try {
      await next()
    } finally {
      const tenant = (ctx.state as { user?: { tenantId?: string } }).user?.tenantId
      logger.info(
        {
          method: ctx.method,
          route: routeOf(ctx),
          status: ctx.status,
          ms: Math.round((performance.now() - start) * 10) / 10,
          ...(tenant ? { tenant } : {}),
        },
        'request',
      )
    }
  }
