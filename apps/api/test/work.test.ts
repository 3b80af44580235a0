/**
 * Latency worth tracing: a feature's work grows with what it handles, shows up as a child span of
 * the request's span, and X-Work-Factor (the simulator's latency spike) makes the call do more of it.
 */
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Account, startApi, type TestApi } from '../src/testing.ts'

const spans = new InMemorySpanExporter()
const provider = new TracerProvider({
  sampler: new AlwaysOnSampler(),
  spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
})
let api: TestApi

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(provider)
  api = await startApi()
})
afterAll(async () => {
  await api.close()
  await provider.shutdown()
  trace.disable()
  propagation.disable()
  context.disable()
})

/** The export's work span and its request span, for one call. */
async function exportReport(account: Account, headers: Record<string, string> = {}) {
  spans.reset()
  const reply = await api.request('POST', '/api/reports/export', {
    token: account.token,
    body: { format: 'csv' },
    headers,
  })
  expect(reply.status).toBe(200)
  const finished = spans.getFinishedSpans()
  const work = finished.find((s) => s.name === 'report.render') as ReadableSpan
  const request = finished.find((s) => s.name === 'POST /api/reports/export') as ReadableSpan
  // request -> feature.report_export (tracker-koa's span, timed like the latency histogram) -> work
  const feature = finished.find((s) => s.name === 'feature.report_export') as ReadableSpan
  expect(feature.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
  expect(work.parentSpanContext?.spanId).toBe(feature.spanContext().spanId)
  return { units: Number(work.attributes['work.units']), request }
}

it('renders more for a tenant with more records, inside a child span of the request', async () => {
  const small = await api.signup('pro')
  const large = await api.signup('pro')
  for (let i = 0; i < 20; i++) {
    const reply = await api.request('POST', '/api/dashboards', {
      token: large.token,
      body: { name: `Board ${i}` },
    })
    expect(reply.status).toBe(201)
  }
  const smallExport = await exportReport(small)
  const largeExport = await exportReport(large)
  expect(largeExport.units).toBeGreaterThan(10 * smallExport.units)
  expect(largeExport.request.attributes).toMatchObject({
    'feature.name': 'report_export',
    'tenant.id': large.tenantId,
  })
})

it('multiplies the work by X-Work-Factor and refuses a bad one before the handler runs', async () => {
  const account = await api.signup('enterprise')
  const base = await exportReport(account)
  const spiked = await exportReport(account, { 'x-work-factor': '8' })
  // The export itself adds an audit entry, so the second call has one more record to render.
  expect(spiked.units).toBeGreaterThanOrEqual(8 * base.units)
  expect(spiked.request.attributes['work.factor']).toBeUndefined() // on the work span, not the request's

  const before = (await api.store.list('report', account.tenantId)).length
  for (const bad of ['0', '51', '2.5', 'lots']) {
    const reply = await api.request('POST', '/api/reports/export', {
      token: account.token,
      body: { format: 'csv' },
      headers: { 'x-work-factor': bad },
    })
    expect(reply.status).toBe(400)
    expect(reply.body.error).toMatchObject({ code: 'validation_error', field: 'x-work-factor' })
  }
  expect(await api.store.list('report', account.tenantId)).toHaveLength(before)
})

it('skips the work with featureWork: false (the validation study), still refusing a bad X-Work-Factor', async () => {
  const idle = await startApi({ featureWork: false })
  try {
    const account = await idle.signup('pro')
    spans.reset()
    const reply = await idle.request('POST', '/api/reports/export', {
      token: account.token,
      body: { format: 'csv' },
    })
    expect(reply.status).toBe(200)
    const names = spans.getFinishedSpans().map((s) => s.name)
    expect(names).toContain('feature.report_export')
    expect(names).not.toContain('report.render')
    const bad = await idle.request('POST', '/api/reports/export', {
      token: account.token,
      body: { format: 'csv' },
      headers: { 'x-work-factor': '0' },
    })
    expect(bad.status).toBe(400)
  } finally {
    await idle.close()
  }
})
