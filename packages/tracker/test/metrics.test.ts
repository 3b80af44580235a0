import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ATTR, LATENCY_BUCKETS_MS, METERS, METRICS } from '@feature-analytics/schema'
import { sdk } from '@feature-analytics/test-support/metrics'
import { DataPointType } from '@opentelemetry/sdk-metrics'
import { createFeatureTracker } from '../src/index.ts'
import { HyperLogLog } from '../src/internal.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }
const keys = (p: { attributes: object }) => Object.keys(p.attributes).sort()

describe('metrics follow the schema', () => {
  it('records usage, latency, sessions, plan changes and retention with exactly the schema attributes', async () => {
    const env = sdk()
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider })
    const base = { userId: 'u-1', tenantId: 't-1', plan: 'pro' } as const
    await tracker.trackFeatureUsed({ ...base, feature: 'report_export', durationMs: 3 })
    await tracker.trackFeatureUsed({ ...base, feature: 'report_export', durationMs: 3000, outcome: 'error' })
    await tracker.trackFeatureUsed({ ...base, feature: 'search', durationMs: 0.5 })
    const session = tracker.startFeatureSession('search', { userId: 'u-1', plan: 'pro' })
    tracker.startFeatureSession('search', { userId: 'u-2', plan: 'pro' })
    session.end()
    session.end()
    await tracker.trackPlanChange({ tenantId: 't-1', from: 'pro', to: 'enterprise' })
    await tracker.trackFeatureUsed({ ...base, plan: 'enterprise', feature: 'search' })
    await tracker.trackRetention({ tenantId: 't-1', plan: 'enterprise', outcome: 'retained' })
    const s = await env.collect()

    const usage = s.points(METRICS.usage)
    for (const p of usage) {
      assert.deepEqual(keys(p), [
        ATTR.featureCategory,
        ATTR.featureName,
        ATTR.outcome,
        ATTR.tenantId,
        ATTR.userPlan,
      ])
      assert.equal(p.scope, METERS.features)
    }
    assert.equal(s.total(METRICS.usage, { [ATTR.outcome]: 'error' }), 1)
    assert.equal(s.total(METRICS.usage, { [ATTR.featureCategory]: 'discovery' }), 2)

    const latency = s.points(METRICS.latency)
    for (const p of latency)
      assert.deepEqual(keys(p), [ATTR.featureCategory, ATTR.featureName, ATTR.userPlan])
    const exportLatency = latency.find((p) => p.attributes[ATTR.featureName] === 'report_export')
    assert.equal(exportLatency?.value, 2)
    assert.equal(exportLatency?.sum, 3003)
    const histogram = s.metrics.find((m) => m.metric.descriptor.name === METRICS.latency)?.metric
    assert.equal(histogram?.dataPointType, DataPointType.HISTOGRAM)
    if (histogram?.dataPointType === DataPointType.HISTOGRAM) {
      assert.deepEqual(histogram.dataPoints[0]?.value.buckets.boundaries, LATENCY_BUCKETS_MS)
    }

    assert.deepEqual(
      s.points(METRICS.activeUsers).map((p) => [keys(p), p.value]),
      [[[ATTR.featureName, ATTR.userPlan], 1]],
      'one session still open, end() is idempotent',
    )
    assert.deepEqual(
      s.points(METRICS.planChange).map((p) => [p.attributes, p.value, p.scope]),
      [[{ [ATTR.planFrom]: 'pro', [ATTR.planTo]: 'enterprise' }, 1, METERS.adoption]],
    )
    assert.deepEqual(
      s
        .points(METRICS.upgradePriorUsage)
        .map((p) => p.attributes[ATTR.featureName])
        .sort(),
      ['report_export', 'search'],
      'one prior-usage point per feature used on the previous plan',
    )
    assert.deepEqual(
      s.points(METRICS.retentionOutcome).map((p) => p.attributes),
      [{ [ATTR.featureName]: 'search', [ATTR.userPlan]: 'enterprise', [ATTR.retentionOutcome]: 'retained' }],
      'only features used since the plan change count toward retention',
    )
    for (const { metric } of s.metrics) {
      for (const point of metric.dataPoints) assert.equal(point.attributes[ATTR.userId], undefined)
    }
    await env.shutdown()
  })

  it('counts every billing decision, and per decision the features used since the previous one, by band', async () => {
    const env = sdk()
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider })
    const base = { userId: 'u-1', tenantId: 't-1', plan: 'pro' } as const
    for (let i = 0; i < 3; i++) await tracker.trackFeatureUsed({ ...base, feature: 'search' })
    await tracker.trackFeatureUsed({ ...base, feature: 'report_export' })
    // A failed call is usage but not use of the feature.
    await tracker.trackFeatureUsed({ ...base, feature: 'report_export', outcome: 'error' })
    await tracker.trackRetention({ tenantId: 't-1', plan: 'pro', outcome: 'retained' })
    await tracker.trackFeatureUsed({ ...base, feature: 'report_export' })
    await tracker.trackPlanChange({ tenantId: 't-1', from: 'pro', to: 'enterprise' })
    // Nothing used since the upgrade: the cancellation counts, with no feature.
    await tracker.trackRetention({ tenantId: 't-1', plan: 'enterprise', outcome: 'churned' })
    const s = await env.collect()
    const rows = (name: string) =>
      s
        .points(name)
        .map((p) => `${Object.values(p.attributes).join(' ')}: ${p.value}`)
        .sort()
    assert.deepEqual(rows(METRICS.billingDecision), [
      'enterprise cancellation: 1',
      'pro renewal: 1',
      'pro upgrade: 1',
    ])
    assert.deepEqual(rows(METRICS.decisionFeatureUse), [
      'report_export pro renewal 1-2: 1',
      'report_export pro upgrade 1-2: 1',
      'search pro renewal 3-9: 1',
    ])
    await env.shutdown()
  })

  it('reports distinct users per feature and plan', async () => {
    const env = sdk()
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider })
    for (let i = 0; i < 300; i++) {
      const event = { feature: 'search', userId: `user-${i % 100}`, tenantId: 't', plan: 'free' } as const
      await tracker.trackFeatureUsed(event)
    }
    await tracker.trackFeatureUsed({ feature: 'search', userId: 'user-1', tenantId: 't', plan: 'pro' })
    const s = await env.collect()
    const users = s.points(METRICS.users).map((p) => [p.attributes[ATTR.userPlan], p.value])
    assert.deepEqual(users.sort(), [
      ['free', 100],
      ['pro', 1],
    ])
    await env.shutdown()
  })
})

describe('HyperLogLog', () => {
  it('estimates 50,000 distinct ids within 5% in fixed memory', () => {
    const hll = new HyperLogLog()
    for (let i = 0; i < 50_000; i++) hll.add(`user-${i}@tenant-${i % 37}`)
    for (let i = 0; i < 50_000; i++) hll.add(`user-${i}@tenant-${i % 37}`)
    const estimate = hll.estimate()
    assert.ok(Math.abs(estimate - 50_000) / 50_000 < 0.05, `estimate ${estimate}`)
  })
})
