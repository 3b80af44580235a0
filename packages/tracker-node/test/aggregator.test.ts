import { ATTR, METRICS, TIME_SPENT_BUCKETS_MS } from '@feature-analytics/schema'
import { normalize, testReader } from '@feature-analytics/test-support/metrics'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { TenantBudget } from '@feature-analytics/tracker/internal'
import type { HrTime } from '@opentelemetry/api'
import { hrTimeToMilliseconds } from '@opentelemetry/core'
import { DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  BoundariesMismatchError,
  FeatureAggregator,
  MergeError,
  OVERFLOW_ATTRIBUTES,
  TelemetryConfigError,
} from '../src/index.ts'

const click = {
  [ATTR.featureName]: 'search',
  [ATTR.uiElement]: 'search-box',
  [ATTR.userPlan]: 'pro',
  [ATTR.tenantId]: 'acme',
}
const spent = { [ATTR.featureName]: 'search', [ATTR.userPlan]: 'pro' }
const buckets = (...pairs: [number, number][]) => {
  const counts = new Array(TIME_SPENT_BUCKETS_MS.length + 1).fill(0)
  for (const [i, n] of pairs) counts[i] = n
  return counts
}

describe('FeatureAggregator', () => {
  const providers: MeterProvider[] = []
  afterEach(async () => {
    for (const p of providers.splice(0)) await p.shutdown()
  })
  /** The aggregator as a reader sees it, through a real MeterProvider. */
  async function collected(aggregator: FeatureAggregator) {
    const reader = testReader([aggregator])
    const provider = new MeterProvider({ readers: [reader] })
    providers.push(provider)
    const metrics = normalize(await reader.collect())
    return (name: string) => metrics.find((m) => m.descriptor.name === name)
  }

  it('merges click deltas and time-spent histograms exactly', async () => {
    const aggregator = new FeatureAggregator()
    aggregator.mergeSum(METRICS.click, click, 3)
    aggregator.mergeSum(METRICS.click, click, 4)
    aggregator.mergeSum(METRICS.click, { ...click, [ATTR.uiElement]: undefined } as never, 1)
    aggregator.mergeHistogram(
      METRICS.timeSpent,
      { ...spent, [ATTR.tenantId]: 'acme' },
      {
        boundaries: TIME_SPENT_BUCKETS_MS,
        bucketCounts: buckets([0, 2], [3, 1]),
        count: 3,
        sum: 1500 + 20_000,
        min: 500,
        max: 20_000,
      },
    )
    aggregator.mergeHistogram(METRICS.timeSpent, spent, {
      boundaries: [...TIME_SPENT_BUCKETS_MS],
      bucketCounts: buckets([10, 1]),
      count: 1,
      sum: 4_000_000,
      min: 4_000_000,
      max: 4_000_000,
    })
    const metric = await collected(aggregator)

    expect(metric(METRICS.click)?.points).toEqual([
      {
        attributes: {
          'feature.name': 'search',
          'tenant.id': 'acme',
          'ui.element': 'search-box',
          'user.plan': 'pro',
        },
        value: 7,
      },
      { attributes: { 'feature.name': 'search', 'tenant.id': 'acme', 'user.plan': 'pro' }, value: 1 },
    ])
    expect(metric(METRICS.click)?.scope.name).toBe('product.features.frontend')
    const [point] = metric(METRICS.timeSpent)?.points ?? []
    expect(point?.attributes).toEqual(spent) // tenant.id is kept off histograms
    expect(point?.value).toEqual({
      count: 4,
      sum: 4_021_500,
      min: 500,
      max: 4_000_000,
      buckets: { boundaries: TIME_SPENT_BUCKETS_MS, counts: buckets([0, 2], [3, 1], [10, 1]) },
    })
  })

  it('refuses what it cannot merge exactly with typed errors, merging nothing', async () => {
    const aggregator = new FeatureAggregator({ features: ['search'], maxValueLength: 20 })
    const point = { boundaries: TIME_SPENT_BUCKETS_MS, bucketCounts: buckets([0, 1]), count: 1, sum: 10 }
    const cases: [() => void, string][] = [
      [() => aggregator.mergeSum(METRICS.usage, click, 1), 'unknown_instrument'],
      [() => aggregator.mergeSum(METRICS.click, { ...click, 'user.id': 'u-1' }, 1), 'unknown_attribute'],
      [
        () => aggregator.mergeSum(METRICS.click, { ...click, [ATTR.featureName]: 'teleport' }, 1),
        'unknown_feature',
      ],
      [() => aggregator.mergeSum(METRICS.click, { ...click, [ATTR.userPlan]: 'gold' }, 1), 'unknown_plan'],
      [
        () => aggregator.mergeSum(METRICS.click, { ...click, [ATTR.uiElement]: 'x'.repeat(21) }, 1),
        'value_too_long',
      ],
      [() => aggregator.mergeSum(METRICS.click, { [ATTR.featureName]: 'search' }, 1), 'invalid_point'],
      [() => aggregator.mergeSum(METRICS.click, click, -1), 'invalid_value'],
      [() => aggregator.mergeSum(METRICS.click, click, 0.5), 'invalid_value'],
      [() => aggregator.mergeHistogram(METRICS.latency, spent, point), 'unknown_instrument'],
      [() => aggregator.mergeHistogram(METRICS.timeSpent, spent, { ...point, count: 2 }), 'invalid_point'],
      [
        () => aggregator.mergeHistogram(METRICS.timeSpent, spent, { ...point, sum: Number.NaN }),
        'invalid_point',
      ],
      [
        () => aggregator.mergeHistogram(METRICS.timeSpent, spent, { ...point, bucketCounts: [1] }),
        'invalid_point',
      ],
      [
        () => aggregator.mergeHistogram(METRICS.timeSpent, spent, { ...point, min: 9, max: 3 }),
        'invalid_point',
      ],
      [() => aggregator.mergeHistogram(METRICS.timeSpent, spent, null as never), 'invalid_point'],
    ]
    for (const [merge, reason] of cases) {
      expect(merge, reason).toThrow(MergeError)
      try {
        merge()
      } catch (error) {
        expect((error as MergeError).reason).toBe(reason)
      }
    }
    const shifted = { ...point, boundaries: TIME_SPENT_BUCKETS_MS.map((b) => b + 1) }
    expect(() => aggregator.mergeHistogram(METRICS.timeSpent, spent, shifted)).toThrow(
      BoundariesMismatchError,
    )
    expect(() =>
      aggregator.mergeHistogram(METRICS.timeSpent, spent, { ...point, boundaries: [1, 2] }),
    ).toThrow(/bucket boundaries must be \[1000, 5000/)

    const metric = await collected(aggregator)
    expect(metric(METRICS.click)).toBeUndefined()
    expect(metric(METRICS.timeSpent)).toBeUndefined()
    expect(metric(METRICS.dropped)).toBeUndefined() // the ingest decides how to count these
  })

  it('folds merged tenants beyond the budget into _other and counts the fold', async () => {
    const aggregator = new FeatureAggregator({ maxTenants: 2 })
    for (const tenant of ['a', 'b', 'c', 'd', 'a'])
      aggregator.mergeSum(METRICS.click, { ...click, [ATTR.tenantId]: tenant }, 1)
    const metric = await collected(aggregator)
    expect(metric(METRICS.click)?.points.map((p) => [p.attributes['tenant.id'], p.value])).toEqual([
      ['_other', 2],
      ['a', 2],
      ['b', 1],
    ])
    expect(metric(METRICS.dropped)?.points).toEqual([
      { attributes: { reason: 'tenant_budget_exceeded' }, value: 2 },
    ])
  })

  it('shares one tenant budget with the tracker: usage and clicks fold the same tenants', async () => {
    const aggregator = new FeatureAggregator({ maxTenants: 1 })
    const tracker = createFeatureTracker({
      catalog: { search: { category: 'discovery' } },
      recorder: aggregator,
      tenantBudget: aggregator.tenantBudget,
    })
    const use = { feature: 'search', userId: 'u-1', plan: 'pro' } as const
    await tracker.trackFeatureUsed({ ...use, tenantId: 'a' })
    aggregator.mergeSum(METRICS.click, { ...click, [ATTR.tenantId]: 'b' }, 1)
    await tracker.trackFeatureUsed({ ...use, tenantId: 'b' })
    const metric = await collected(aggregator)
    const tenants = (name: string) => metric(name)?.points.map((p) => [p.attributes['tenant.id'], p.value])
    expect(tenants(METRICS.click)).toEqual([['_other', 1]])
    expect(tenants(METRICS.usage)).toEqual([
      ['_other', 1],
      ['a', 1],
    ])
    expect(() => new FeatureAggregator({ maxTenants: 1, tenantBudget: aggregator.tenantBudget })).toThrow(
      TelemetryConfigError,
    )
  })

  it('keeps ui.element ids to code identifiers and to a budget per tenant; zero deltas mint nothing', async () => {
    const aggregator = new FeatureAggregator({ maxElementsPerTenant: 3 })
    const element = (id: string, tenant = 't-1') => ({
      ...click,
      [ATTR.uiElement]: id,
      [ATTR.tenantId]: tenant,
    })
    for (const id of ['a', 'b', 'c', 'a']) aggregator.mergeSum(METRICS.click, element(id), 1)
    const refusals = ['not an id!', '-leading-dash', '_other'].map((id) => {
      try {
        aggregator.mergeSum(METRICS.click, element(id), 1)
        return 'merged'
      } catch (error) {
        return (error as MergeError).reason
      }
    })
    expect(refusals).toEqual(['invalid_value', 'invalid_value', 'invalid_value'])
    // Past its budget a tenant's clicks still count, under _other; another tenant has a budget of
    // its own; a zero delta neither merges nor spends a slot.
    aggregator.mergeSum(METRICS.click, element('d'), 5)
    aggregator.mergeSum(METRICS.click, { ...element('e'), [ATTR.featureName]: 'dashboard_create' }, 0)
    aggregator.mergeSum(METRICS.click, element('d', 't-2'), 2)
    const metric = await collected(aggregator)
    expect(
      (metric(METRICS.click)?.points ?? []).map((p) => [
        p.attributes[ATTR.tenantId],
        p.attributes[ATTR.uiElement],
        p.value,
      ]),
    ).toEqual([
      ['t-1', '_other', 5],
      ['t-1', 'a', 2],
      ['t-1', 'b', 1],
      ['t-1', 'c', 1],
      ['t-2', 'd', 2],
    ])
    expect(metric(METRICS.dropped)?.points).toEqual([
      { attributes: { reason: 'element_budget_exceeded' }, value: 1 },
    ])
  })

  it('gives an idle tenant’s slot to a new tenant, and drops only the idle tenant’s series', async () => {
    let now = 0
    const aggregator = new FeatureAggregator({
      tenantBudget: new TenantBudget(2, { idleMillis: 3_600_000, now: () => now }),
    })
    const at = (tenant: string, n = 1) =>
      aggregator.mergeSum(METRICS.click, { ...click, [ATTR.tenantId]: tenant }, n)
    at('first', 3)
    now = 1_000
    at('second')
    now = 3_000_000
    at('later') // both slots busy within the hour: folds
    at('second') // second stays active
    now = 3_700_000
    at('later', 4) // first has been idle for over an hour: its slot goes to later
    const metric = await collected(aggregator)
    expect(metric(METRICS.click)?.points.map((p) => [p.attributes[ATTR.tenantId], p.value])).toEqual([
      ['_other', 1],
      ['later', 4],
      ['second', 2],
    ])
    expect(aggregator.tenantBudget.released).toBe(1)
    now = 6_700_000
    at('first', 2) // back after its series went: a fresh slot (second is idle now), from 0
    const again = await collected(aggregator)
    expect(again(METRICS.click)?.points.map((p) => [p.attributes[ATTR.tenantId], p.value])).toEqual([
      ['_other', 1],
      ['first', 2],
      ['later', 4],
    ])
  })

  it('caps series per instrument like the SDK: limit - 1 series, then one overflow series', async () => {
    const aggregator = new FeatureAggregator({ cardinalityLimits: { [METRICS.usage]: 5 } })
    for (let t = 0; t < 50; t++) {
      const attributes = {
        [ATTR.featureName]: 'search',
        [ATTR.featureCategory]: 'discovery',
        [ATTR.userPlan]: 'pro',
        [ATTR.tenantId]: `tenant-${t}`,
        [ATTR.outcome]: 'success',
      } as const
      aggregator.record('usage', attributes, 1)
    }
    const usage = (await collected(aggregator))(METRICS.usage)?.points ?? []
    expect(usage).toHaveLength(5)
    expect(usage.find((p) => p.attributes['otel.metric.overflow'])).toEqual({
      attributes: OVERFLOW_ATTRIBUTES,
      value: 46,
    })
    expect(usage.reduce((a, p) => a + (p.value as number), 0)).toBe(50)
  })

  it('starts every series strictly before the collection that first exports it, also in the same millisecond', async () => {
    // Prometheus (created-timestamp-zero-ingestion) stores a zero at a series' start time only when
    // that is before the sample; a series first used in the millisecond of a collection would get
    // no zero, and increase() over a window would miss its first value (an e2e --restart-api run
    // lost one use that way, on the replica that was not restarted).
    vi.useFakeTimers({ toFake: ['Date'], now: 1_796_133_809_901 })
    try {
      const aggregator = new FeatureAggregator()
      const tracker = createFeatureTracker({
        catalog: { search: { category: 'discovery' } },
        recorder: aggregator,
        tenantBudget: aggregator.tenantBudget,
      })
      await tracker.trackFeatureUsed({
        feature: 'search',
        userId: 'u',
        tenantId: 'acme',
        plan: 'pro',
        durationMs: 3,
      })
      aggregator.mergeSum(METRICS.click, click, 1)
      const { resourceMetrics } = await aggregator.collect()
      // Counters and histograms: a gauge has no start to speak of.
      const points = resourceMetrics.scopeMetrics.flatMap((s) =>
        s.metrics.flatMap((m) =>
          m.dataPointType === DataPointType.GAUGE
            ? []
            : (m.dataPoints as readonly { startTime: HrTime; endTime: HrTime }[]),
        ),
      )
      expect(points.length).toBe(4) // usage, latency, the discovered stage, click
      for (const point of points) {
        expect(hrTimeToMilliseconds(point.startTime)).toBeLessThan(hrTimeToMilliseconds(point.endTime))
      }
    } finally {
      vi.useRealTimers()
    }
  })
})
