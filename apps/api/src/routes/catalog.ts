/** `GET /api/features`: the catalog, public so a client can draw its UI before signing in. */
import { Router } from '@koa/router'
import type { Context } from 'koa'
import { catalogListing } from '../catalog.ts'

export const catalogRoutes = (): Router => {
  const router = new Router()
  const body = { features: catalogListing() }
  router.get('/api/features', (ctx: Context) => {
    ctx.body = body
  })
  return router
}
