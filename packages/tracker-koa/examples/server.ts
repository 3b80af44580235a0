import { createFeatureTracker } from '@feature-analytics/tracker'
import { featureTracking } from '@feature-analytics/tracker-koa'
import Router from '@koa/router'
import Koa from 'koa'

// Records into the global MeterProvider (tracker-node's startTelemetry registers one).
const tracker = createFeatureTracker({
  catalog: { report_export: { category: 'reporting' }, search: { category: 'discovery' } },
})
const trackFeature = featureTracking(tracker, { childSpan: true })

const app = new Koa()
app.use(async (ctx, next) => {
  // Stand-in for your auth middleware: trackFeature reads ctx.state.user by default.
  const userId = ctx.get('x-user-id')
  if (userId) ctx.state.user = { userId, tenantId: ctx.get('x-tenant-id'), plan: 'pro' }
  await next()
})

const router = new Router()
router.post('/api/reports/export', trackFeature('report_export'), (ctx) => {
  ctx.body = { url: '/exports/42.csv' }
})
router.get('/api/search', trackFeature('search'), (ctx) => {
  if (!ctx.query.q) {
    ctx.status = 400 // recorded as feature.outcome=error
    ctx.body = { error: { code: 'validation_error', message: 'q is required' } }
    return
  }
  ctx.body = { results: [] }
})
app.use(router.routes())

export const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
