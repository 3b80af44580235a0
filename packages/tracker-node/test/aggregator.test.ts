import { ATTR, METRICS, TIME_SPENT_BUCKETS_MS } from '@feature-analytics/schema'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { afterEach, describe, expect, it } from 'vitest'
import { BoundariesMismatchError, FeatureAggregator, MergeError, OVERFLOW_ATTRIBUTES } from '../src/index.ts'
import { normalize, testReader } from './collect.ts'

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

  it('keeps ui.element ids to code identifiers and to a budget per feature; zero deltas mint nothing', async () => {
    const aggregator = new FeatureAggregator({ maxElementsPerFeature: 3 })
    const element = (id: string) => ({ ...click, [ATTR.uiElement]: id })
    for (const id of ['a', 'b', 'c', 'a']) aggregator.mergeSum(METRICS.click, element(id), 1)
    const refusals = ['d', 'not an id!', '-leading-dash'].map((id) => {
      try {
        aggregator.mergeSum(METRICS.click, element(id), 1)
        return 'merged'
      } catch (error) {
        return (error as MergeError).reason
      }
    })
    expect(refusals).toEqual(['invalid_value', 'invalid_value', 'invalid_value'])
    // Another feature has a budget of its own; a zero delta neither merges nor spends a slot.
    aggregator.mergeSum(METRICS.click, { ...element('e'), [ATTR.featureName]: 'dashboard_create' }, 0)
    aggregator.mergeSum(METRICS.click, { ...element('d'), [ATTR.featureName]: 'dashboard_create' }, 2)
    const points = (await collected(aggregator))(METRICS.click)?.points ?? []
    expect(
      points.map((p) => [p.attributes[ATTR.featureName], p.attributes[ATTR.uiElement], p.value]),
    ).toEqual([
      ['dashboard_create', 'd', 2],
      ['search', 'a', 2],
      ['search', 'b', 1],
      ['search', 'c', 1],
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
})
