import type { AddressInfo } from 'node:net'
import { ATTR } from '@feature-analytics/schema'
import { otel } from '@feature-analytics/test-support/metrics'
import { createFeatureTracker } from '@feature-analytics/tracker'
import Router from '@koa/router'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import Koa from 'koa'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { featureTracking, serverSpan, type TrackedUser } from '../src/index.ts'

const catalog = { report_export: { category: 'reporting' } }
const TRACE_ID = '4bf92f3577b34e0ea8f1c2d3a1b0c9e8'
const PARENT_SPAN_ID = '00f067aa0ba902b7'

describe('serverSpan over real HTTP', () => {
  let env: ReturnType<typeof otel>
  let server: ReturnType<Koa['listen']>
  let base: string

  beforeEach(async () => {
    env = otel()
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider })
    const trackFeature = featureTracking(tracker)
    const app = new Koa<{ user?: TrackedUser }>()
    app.silent = true
    app.use(serverSpan({ tracer: env.tracer }))
    app.use(async (ctx, next) => {
      ctx.state.user = { userId: 'user-7', tenantId: 'acme', plan: 'pro' }
      await next()
    })
    const router = new Router<{ user?: TrackedUser }>()
    router.post('/api/reports/:id/export', trackFeature('report_export'), (ctx) => {
      if (ctx.params.id === 'broken') throw new Error('storage down')
      ctx.body = { ok: true }
    })
    app.use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve))
    await env.shutdown()
  })

  it('continues the caller’s W3C trace with one SERVER span per request, named by route, with the feature attributes', async () => {
    const response = await fetch(`${base}/api/reports/r-42/export`, {
      method: 'POST',
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
    })
    expect(response.status).toBe(200)
    const [span, ...rest] = env.spans.getFinishedSpans()
    expect(rest).toEqual([])
    expect(span?.kind).toBe(SpanKind.SERVER)
    expect(span?.name).toBe('POST /api/reports/:id/export')
    expect(span?.spanContext().traceId).toBe(TRACE_ID)
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID)
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/reports/:id/export',
      'url.path': '/api/reports/r-42/export',
      'http.response.status_code': 200,
      [ATTR.featureName]: 'report_export',
      [ATTR.tenantId]: 'acme',
      [ATTR.userPlan]: 'pro',
      [ATTR.userId]: 'user-7',
    })
    expect(span?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('starts a new trace without a traceparent, and marks a 5xx as an error with the exception', async () => {
    expect((await fetch(`${base}/api/reports/broken/export`, { method: 'POST' })).status).toBe(500)
    const [span] = env.spans.getFinishedSpans()
    expect(span?.parentSpanContext).toBeUndefined()
    expect(span?.status.code).toBe(SpanStatusCode.ERROR)
    expect(span?.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': 'Error' })
    expect(span?.events.map((e) => e.name)).toEqual(['exception'])
  })

  it('follows an unsampled caller: no span recorded, the request still served', async () => {
    const response = await fetch(`${base}/api/reports/r-1/export`, {
      method: 'POST',
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-00` },
    })
    expect(response.status).toBe(200)
    expect(env.spans.getFinishedSpans()).toEqual([])
  })
})
