import { ATTR, METRICS, TIME_SPENT_BUCKETS_MS } from '@feature-analytics/schema'
import { ExportResultCode } from '@opentelemetry/core'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SameOriginMetricExporter } from '../src/index.ts'
import { attr, pointsOf, startCollector, type TestCollector } from './collector.ts'

/** A reader the test drives by hand, so exports happen exactly when the test says. */
class ManualReader extends MetricReader {
  readonly exporter: SameOriginMetricExporter
  constructor(exporter: SameOriginMetricExporter) {
    super({ aggregationTemporalitySelector: () => exporter.selectAggregationTemporality() })
    this.exporter = exporter
  }
  async exportOnce(): Promise<{ code: ExportResultCode; error?: Error }> {
    const { resourceMetrics } = await this.collect()
    return new Promise((resolve) => this.exporter.export(resourceMetrics, resolve))
  }
  protected override async onForceFlush() {}
  protected override async onShutdown() {}
}

let collector: TestCollector
beforeEach(async () => {
  collector = await startCollector()
})
afterEach(async () => {
  await collector.close()
})

const setup = (maxPayloadBytes?: number) => {
  const exporter = new SameOriginMetricExporter({
    endpoint: `${collector.url}/v1/metrics`,
    ...(maxPayloadBytes ? { maxPayloadBytes } : {}),
  })
  const reader = new ManualReader(exporter)
  const provider = new MeterProvider({ readers: [reader] })
  const meter = provider.getMeter('product.features.frontend')
  const clicks = meter.createCounter(METRICS.click, { valueType: 0 })
  const timeSpent = meter.createHistogram(METRICS.timeSpent, {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [...TIME_SPENT_BUCKETS_MS] },
  })
  return { exporter, reader, clicks, timeSpent }
}

describe('SameOriginMetricExporter', () => {
  it('posts OTLP/JSON deltas, and sends nothing when nothing was recorded', async () => {
    const { reader, clicks, timeSpent } = setup()
    clicks.add(2, { [ATTR.featureName]: 'search', [ATTR.uiElement]: 'search-go' })
    timeSpent.record(4200, { [ATTR.featureName]: 'search' })
    expect((await reader.exportOnce()).code).toBe(ExportResultCode.SUCCESS)
    clicks.add(1, { [ATTR.featureName]: 'search', [ATTR.uiElement]: 'search-go' })
    await reader.exportOnce()
    await reader.exportOnce()

    expect(collector.received).toHaveLength(2)
    expect(collector.received[0]?.contentType).toBe('application/json')
    const clickPoints = pointsOf(collector.received, METRICS.click)
    expect(clickPoints.map((p) => Number(p.asInt))).toEqual([2, 1])
    expect(attr(clickPoints[0] ?? { attributes: [] }, ATTR.uiElement)).toBe('search-go')
    const metric = collector.received[0]?.body.resourceMetrics[0]?.scopeMetrics[0]?.metrics
    expect(metric?.find((m) => m.name === METRICS.click)?.sum?.aggregationTemporality).toBe(1)
    const [histogram] = pointsOf(collector.received, METRICS.timeSpent)
    expect(histogram?.explicitBounds).toEqual(TIME_SPENT_BUCKETS_MS)
    expect(histogram?.bucketCounts?.map(Number)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  })

  it('splits an export over the byte budget into bodies that fit, losing no point', async () => {
    const { reader, clicks } = setup(4096)
    const elements = 600
    for (let i = 0; i < elements; i++)
      clicks.add(i + 1, { [ATTR.featureName]: 'search', [ATTR.uiElement]: `el-${i}` })
    expect((await reader.exportOnce()).code).toBe(ExportResultCode.SUCCESS)

    expect(collector.received.length).toBeGreaterThan(5)
    for (const request of collector.received) expect(request.bytes).toBeLessThanOrEqual(4096)
    const points = pointsOf(collector.received, METRICS.click)
    expect(points).toHaveLength(elements)
    const byElement = new Map(points.map((p) => [attr(p, ATTR.uiElement), Number(p.asInt)]))
    for (let i = 0; i < elements; i++) expect(byElement.get(`el-${i}`)).toBe(i + 1)
  })

  it('keeps a batch the server could not take (503) and sends it first on the next export', async () => {
    const { reader, exporter, clicks } = setup()
    collector.respondWith.push({ status: 503 })
    clicks.add(3, { [ATTR.featureName]: 'search', [ATTR.uiElement]: 'a' })
    await reader.exportOnce()
    expect(collector.received).toHaveLength(0)
    expect(exporter.pending).toBe(1)

    clicks.add(4, { [ATTR.featureName]: 'search', [ATTR.uiElement]: 'a' })
    await reader.exportOnce()
    expect(exporter.pending).toBe(0)
    expect(pointsOf(collector.received, METRICS.click).map((p) => Number(p.asInt))).toEqual([3, 4])
  })

  it('holds batches back while a 429 Retry-After runs, instead of hammering the server', async () => {
    const { reader, exporter, clicks } = setup()
    collector.respondWith.push({ status: 429, headers: { 'Retry-After': '3600' } })
    clicks.add(1, { [ATTR.featureName]: 'search', [ATTR.uiElement]: 'a' })
    await reader.exportOnce()
    clicks.add(1, { [ATTR.featureName]: 'search', [ATTR.uiElement]: 'a' })
    await reader.exportOnce()
    expect(exporter.pending).toBe(2)
    expect(collector.received).toHaveLength(0)
  })

  it('reports a batch the server refused (4xx) as a failed export', async () => {
    const { reader, exporter, clicks } = setup()
    collector.respondWith.push({ status: 401 })
    clicks.add(1, { [ATTR.featureName]: 'search', [ATTR.uiElement]: 'a' })
    const result = await reader.exportOnce()
    expect(result.code).toBe(ExportResultCode.FAILED)
    expect(result.error?.message).toMatch(/HTTP 401/)
    expect(exporter.pending).toBe(0)
  })

  it('refuses a missing endpoint with a typed error', () => {
    expect(() => new SameOriginMetricExporter({ endpoint: '' })).toThrow(/endpoint must be a URL/)
  })
})
