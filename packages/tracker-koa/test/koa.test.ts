import type { AddressInfo } from 'node:net'
import { ATTR, METRICS } from '@feature-analytics/schema'
import { otel } from '@feature-analytics/test-support/metrics'
import { createFeatureTracker } from '@feature-analytics/tracker'
import Router from '@koa/router'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import Koa from 'koa'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { featureTracking, type TrackedUser } from '../src/index.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }
const SCHEMA_USAGE_KEYS = [
  ATTR.featureCategory,
  ATTR.featureName,
  ATTR.outcome,
  ATTR.tenantId,
  ATTR.userPlan,
].sort()

describe('trackFeature over real HTTP', () => {
  let env: ReturnType<typeof otel>
  let server: ReturnType<Koa['listen']>
  let base: string
  const appErrors: unknown[] = []

  beforeEach(async () => {
    env = otel()
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider })
    const trackFeature = featureTracking(tracker, { childSpan: true, tracer: env.tracer })

    const app = new Koa<{ user?: TrackedUser }>()
    app.on('error', (error) => appErrors.push(error))
    // What an HTTP instrumentation does: a server span that is active while the request runs.
    app.use(async (ctx, next) => {
      const span = env.tracer.startSpan(`${ctx.method} ${ctx.path}`, { kind: SpanKind.SERVER })
      try {
        await context.with(trace.setSpan(context.active(), span), next)
      } finally {
        span.end()
      }
    })
    app.use(async (ctx, next) => {
      const userId = ctx.get('x-user')
      if (userId) ctx.state.user = { userId, tenantId: 'acme', plan: 'pro' }
      await next()
    })
    const router = new Router<{ user?: TrackedUser }>()
    router.post('/api/reports/export', trackFeature('report_export'), (ctx) => {
      ctx.body = { ok: true }
    })
    router.get('/api/search', trackFeature('search'), (ctx) => {
      if (!ctx.query.q) {
        ctx.status = 400
        ctx.body = { error: { code: 'validation_error', message: 'q is required' } }
        return
      }
      if (ctx.query.q === 'boom') throw new Error('search backend down')
      if (ctx.query.q === 'gated') ctx.throw(403, 'plan_required')
      ctx.body = { results: [] }
    })
    app.use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    appErrors.length = 0
  })

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve))
    await env.shutdown()
  })

  const call = (path: string, init: RequestInit = {}) =>
    fetch(base + path, { ...init, headers: { 'x-user': 'user-7', ...init.headers } })

  it('records three calls with exactly the schema attributes and puts user.id on spans only', async () => {
    for (let i = 0; i < 3; i++)
      expect((await call('/api/reports/export', { method: 'POST' })).status).toBe(200)

    const points = await env.points()
    const usage = points.filter((p) => p.name === METRICS.usage)
    expect(usage).toHaveLength(1)
    expect(usage[0]?.value).toBe(3)
    expect(Object.keys(usage[0]?.attributes ?? {}).sort()).toEqual(SCHEMA_USAGE_KEYS)
    expect(usage[0]?.attributes).toMatchObject({
      [ATTR.featureName]: 'report_export',
      [ATTR.outcome]: 'success',
    })
    const latency = points.filter((p) => p.name === METRICS.latency)
    expect(latency.map((p) => p.value)).toEqual([3])
    for (const p of points) expect(Object.keys(p.attributes)).not.toContain(ATTR.userId)

    const spans = env.spans.getFinishedSpans()
    const featureSpans = spans.filter((s) => s.name === 'feature.report_export')
    const requestSpans = spans.filter((s) => s.kind === SpanKind.SERVER)
    expect(featureSpans).toHaveLength(3)
    for (const span of [...featureSpans, ...requestSpans]) {
      expect(span.attributes).toMatchObject({
        [ATTR.userId]: 'user-7',
        [ATTR.tenantId]: 'acme',
        [ATTR.featureName]: 'report_export',
      })
    }
    // The feature span is a child of the request span.
    const parentIds = new Set(requestSpans.map((s) => s.spanContext().spanId))
    for (const span of featureSpans) expect(parentIds.has(span.parentSpanContext?.spanId ?? '')).toBe(true)
  })

  it('records a throwing handler as outcome=error, lets the error through (500), and marks the span', async () => {
    expect((await call('/api/search?q=boom')).status).toBe(500)
    expect(appErrors).toHaveLength(1)
    expect((appErrors[0] as Error).message).toBe('search backend down')

    const usage = (await env.points()).filter((p) => p.name === METRICS.usage)
    expect(usage.map((p) => [p.attributes[ATTR.outcome], p.value])).toEqual([['error', 1]])
    const [span] = env.spans.getFinishedSpans().filter((s) => s.name === 'feature.search')
    expect(span?.status.code).toBe(SpanStatusCode.ERROR)
    expect(span?.events.map((e) => e.name)).toContain('exception')
  })

  it('counts a 400 set by the handler as an error, and records nothing for 403 or anonymous calls', async () => {
    expect((await call('/api/search')).status).toBe(400)
    expect((await call('/api/search?q=gated')).status).toBe(403)
    expect((await fetch(`${base}/api/search?q=ok`)).status).toBe(200) // no x-user: anonymous
    expect((await call('/api/search?q=ok')).status).toBe(200)

    const points = await env.points()
    const usage = points.filter((p) => p.name === METRICS.usage)
    expect(usage.map((p) => [p.attributes[ATTR.outcome], p.value]).sort()).toEqual([
      ['error', 1],
      ['success', 1],
    ])
    expect(points.filter((p) => p.name === METRICS.dropped)).toEqual([])
  })
})
