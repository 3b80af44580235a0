/** Liveness and readiness. Readiness turns 503 once shutdown starts so load balancers stop sending. */
import { Router } from '@koa/router'
import type { Context } from 'koa'

export interface Readiness {
  shuttingDown: boolean
}

export const healthRoutes = (readiness: Readiness): Router => {
  const router = new Router()
  router.get('/healthz', (ctx: Context) => {
    ctx.body = { status: 'ok' }
  })
  router.get('/readyz', (ctx: Context) => {
    ctx.status = readiness.shuttingDown ? 503 : 200
    ctx.body = { status: readiness.shuttingDown ? 'shutting_down' : 'ready' }
  })
  return router
}
