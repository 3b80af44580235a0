import { ATTR, LATENCY_BUCKETS_MS, METRICS } from '@feature-analytics/schema'
import { otlpReceiver } from '@feature-analytics/test-support/otlp-receiver'
import { freePort } from '@feature-analytics/test-support/ports'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { AggregationTemporality, DataPointType, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics'
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace'
import { afterEach, describe, expect, it } from 'vitest'
import { startTelemetry, type Telemetry, TelemetryConfigError } from '../src/index.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }
const use = {
  feature: 'report_export',
  userId: 'u-1',
  tenantId: 'acme',
  plan: 'pro',
  durationMs: 40,
} as const
const quiet = { registerGlobal: false, shutdownSignals: false, exportIntervalMillis: 3_600_000 } as const

describe('startTelemetry', () => {
  const cleanup: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  it('flushes metrics and spans to the OTLP endpoint on shutdown', async () => {
    const receiver = await otlpReceiver()
    cleanup.push(receiver.close)
    const telemetry = startTelemetry({
      ...quiet,
      serviceName: 'saas-api',
      serviceVersion: '1.2.3',
      otlpEndpoint: receiver.url,
      otlpProtocol: 'http/json',
      sampler: new AlwaysOnSampler(),
    })
    const tracker = createFeatureTracker({ catalog, recorder: telemetry.aggregator })
    for (let i = 0; i < 5; i++) await tracker.trackFeatureUsed(use)
    telemetry.tracerProvider.getTracer('test').startSpan('feature.report_export').end()
    expect(receiver.metrics).toHaveLength(0)

    await telemetry.shutdown()
    expect(receiver.points(METRICS.usage).map((p) => p.value)).toEqual([5])
    expect(receiver.points(METRICS.latency).map((p) => p.value)).toEqual([5])
    expect(receiver.metric(METRICS.usage)?.sum?.aggregationTemporality).toBe(2) // CUMULATIVE
    expect(receiver.resource()).toMatchObject({ 'service.name': 'saas-api', 'service.version': '1.2.3' })
    expect(receiver.resource()['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(receiver.spans().map((s) => s.name)).toEqual(['feature.report_export'])
    await telemetry.shutdown() // idempotent
  })

  it('registers the aggregator on every reader: OTLP, Prometheus and injected exporters', async () => {
    const receiver = await otlpReceiver()
    cleanup.push(receiver.close)
    const memory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const telemetry = startTelemetry({
      ...quiet,
      serviceName: 'saas-api',
      otlpEndpoint: receiver.url,
      otlpProtocol: 'http/json',
      prometheusPort: await freePort(),
      metricExporters: [memory],
    })
    cleanup.push(() => telemetry.shutdown())
    await telemetry.ready
    const tracker = createFeatureTracker({ catalog, recorder: telemetry.aggregator })
    await tracker.trackFeatureUsed(use)
    await tracker.trackFeatureUsed({ ...use, outcome: 'error' })

    const scrape = await (await fetch(telemetry.prometheusUrl as string)).text()
    expect(scrape).toMatch(/product_feature_usage_total\{[^}]*feature_outcome="error"[^}]*\} 1/)
    // The JS Prometheus exporter adds `_total` but no unit suffix (unlike Prometheus' OTLP receiver).
    expect(scrape).toMatch(/product_feature_latency_bucket\{[^}]*le="50"[^}]*\} 2/)
    await telemetry.forceFlush()
    expect(receiver.points(METRICS.usage).reduce((a, p) => a + p.value, 0)).toBe(2)
    const fromMemory = memory
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === METRICS.usage)
    expect(fromMemory?.dataPoints.map((p) => p.value)).toEqual([1, 1])
  })

  it('applies the schema views to plain SDK instruments: buckets, no tenant.id on histograms, no user ids', async () => {
    const memory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const telemetry = startTelemetry({ ...quiet, serviceName: 'saas-api', metricExporters: [memory] })
    cleanup.push(() => telemetry.shutdown())
    const meter = telemetry.meterProvider.getMeter('product.features')
    // No bucket advice and stray attributes: the views must fix both.
    meter.createHistogram(METRICS.latency, { unit: 'ms' }).record(7, {
      [ATTR.featureName]: 'search',
      [ATTR.tenantId]: 'acme',
      [ATTR.userId]: 'u-1',
    })
    meter.createCounter(METRICS.usage).add(1, { [ATTR.featureName]: 'search', [ATTR.userId]: 'u-1' })
    await telemetry.forceFlush()
    const metricsByName = new Map(
      (memory.getMetrics().at(-1)?.scopeMetrics ?? []).flatMap((s) =>
        s.metrics.map((m) => [m.descriptor.name, m]),
      ),
    )
    const latency = metricsByName.get(METRICS.latency)
    expect(latency?.dataPointType).toBe(DataPointType.HISTOGRAM)
    if (latency?.dataPointType !== DataPointType.HISTOGRAM) return
    expect(latency.dataPoints[0]?.attributes).toEqual({ [ATTR.featureName]: 'search' })
    expect(latency.dataPoints[0]?.value.buckets.boundaries).toEqual(LATENCY_BUCKETS_MS)
    expect(metricsByName.get(METRICS.usage)?.dataPoints[0]?.attributes).toEqual({
      [ATTR.featureName]: 'search',
    })
  })

  it('exports nothing over OTLP when no endpoint is configured, and refuses gRPC with a typed error', async () => {
    const telemetry: Telemetry = startTelemetry({ ...quiet, serviceName: 'saas-api' })
    cleanup.push(() => telemetry.shutdown())
    await telemetry.forceFlush() // no reader to fail: resolves
    expect(() =>
      startTelemetry({
        ...quiet,
        serviceName: 'x',
        otlpEndpoint: 'http://127.0.0.1:1',
        otlpProtocol: 'grpc' as never,
      }),
    ).toThrow(TelemetryConfigError)
    expect(() => startTelemetry({ ...quiet, serviceName: '' })).toThrow(TelemetryConfigError)
  })
})
