/**
 * Exemplars over the wire, decoded by the real Collector: our OTLP serializers (http/protobuf and
 * http/json) must deliver every exemplar the aggregator made, and the stock upstream exporter is
 * the control that shows what was missing (it delivers the same points without them).
 */
import { ATTR, METRICS } from '@feature-analytics/schema'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTelemetry } from '../src/index.ts'
import { type DebugCollector, debugCollector, parseDebugExemplars } from './collector.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }

let collector: DebugCollector
beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  collector = await debugCollector()
})
afterAll(async () => {
  context.disable()
  await collector?.close()
})

describe.each(['http/protobuf', 'http/json'] as const)('exemplars over OTLP %s', (protocol) => {
  it('reach the Collector intact: trace id, span id, value, tenant; never the user', async () => {
    const telemetry = startTelemetry({
      serviceName: `exemplars-${protocol}`,
      otlpEndpoint: collector.url,
      otlpProtocol: protocol,
      registerGlobal: false,
      sampler: new AlwaysOnSampler(), // every request traced, so every one has an exemplar
      shutdownSignals: false,
      exportIntervalMillis: 3_600_000,
    })
    const tracker = createFeatureTracker({ catalog, recorder: telemetry.aggregator })
    const tracer = telemetry.tracerProvider.getTracer('test')
    const ids = await tracer.startActiveSpan('POST /api/reports/export', async (span) => {
      span.setAttributes({ [ATTR.userId]: 'u-secret', 'user.email': 'ann@example.com' })
      await tracker.trackFeatureUsed({
        feature: 'report_export',
        userId: 'u-secret',
        tenantId: `acme-${protocol}`,
        plan: 'enterprise',
        durationMs: 321.5,
      })
      span.end()
      return span.spanContext()
    })
    const before = collector.output().length
    await telemetry.shutdown()
    await collector.waitFor(ids.traceId)
    const received = parseDebugExemplars(collector.output().slice(before)).filter(
      (e) => e.traceId === ids.traceId,
    )
    expect(received).toEqual([
      { metric: METRICS.usage, traceId: ids.traceId, spanId: ids.spanId, value: 1, attributes: {} },
      {
        metric: METRICS.latency,
        traceId: ids.traceId,
        spanId: ids.spanId,
        value: 321.5,
        attributes: { [ATTR.tenantId]: `acme-${protocol}` },
      },
    ])
    // The spans (also sent here) may carry the user; no metric point or exemplar may.
    const metricBlocks = collector
      .output()
      .slice(before)
      .split(/(?=ResourceMetrics #|ResourceSpans #)/)
      .filter((block) => block.startsWith('ResourceMetrics #'))
    expect(metricBlocks.length).toBeGreaterThan(0)
    expect(metricBlocks.join('\n')).not.toMatch(/u-secret|ann@example\.com/)
  })
})

it('control: the stock OTLP exporter delivers the same points without their exemplars', async () => {
  const telemetry = startTelemetry({
    serviceName: 'exemplars-stock',
    registerGlobal: false,
    sampler: new AlwaysOnSampler(),
    shutdownSignals: false,
  })
  const tracker = createFeatureTracker({ catalog, recorder: telemetry.aggregator })
  const tracer = telemetry.tracerProvider.getTracer('test')
  await tracer.startActiveSpan('GET /api/search', async (span) => {
    await tracker.trackFeatureUsed({
      feature: 'search',
      userId: 'u',
      tenantId: 'stock',
      plan: 'pro',
      durationMs: 9,
    })
    span.end()
  })
  const { resourceMetrics } = await telemetry.aggregator.collect()
  const exemplarCount = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .flatMap((m) => m.dataPoints as { exemplars?: unknown[] }[])
    .reduce((n, p) => n + (p.exemplars?.length ?? 0), 0)
  expect(exemplarCount).toBe(2) // they are there before the stock serializer...
  const before = collector.output().length
  const stock = new OTLPMetricExporter({ url: `${collector.url}/v1/metrics` })
  const result = await new Promise<{ code: number }>((resolve) => stock.export(resourceMetrics, resolve))
  expect(result.code).toBe(0)
  for (let i = 0; !collector.output().slice(before).includes('Exemplars') && i < 20; i++) {
    if (collector.output().slice(before).includes(METRICS.latency)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  expect(collector.output().slice(before)).toContain(METRICS.latency) // the points arrived...
  expect(parseDebugExemplars(collector.output().slice(before))).toEqual([]) // ...without exemplars
  await stock.shutdown()
  await telemetry.shutdown()
})
