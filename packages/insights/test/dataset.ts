/**
 * One small, known dataset recorded through the real OpenTelemetry SDK: four pro tenants (two of
 * them using integrations upgrade), a free tenant with errors, adoption stages, retention outcomes,
 * billing decisions with the features used before them, and a latency histogram with one slow
 * outlier. Tests read it back through both sources.
 */
import { ATTR, LATENCY_BUCKETS_MS, METRICS, UNITS } from '@feature-analytics/schema'
import type { MeterProvider } from '@opentelemetry/sdk-metrics'
import type { Ledger } from '../src/index.ts'

export function recordDataset(provider: MeterProvider): void {
  const meter = provider.getMeter('product.features')
  const usage = meter.createCounter(METRICS.usage, { unit: UNITS.count })
  const latency = meter.createHistogram(METRICS.latency, {
    unit: UNITS.milliseconds,
    advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS_MS] },
  })
  const stage = meter.createCounter(METRICS.adoptionStage, { unit: UNITS.count })
  const planChange = meter.createCounter(METRICS.planChange, { unit: UNITS.count })
  const prior = meter.createCounter(METRICS.upgradePriorUsage, { unit: UNITS.count })
  const retention = meter.createCounter(METRICS.retentionOutcome, { unit: UNITS.count })
  const use = (feature: string, plan: string, tenant: string, n: number, outcome = 'success') =>
    usage.add(n, {
      [ATTR.featureName]: feature,
      [ATTR.userPlan]: plan,
      [ATTR.tenantId]: tenant,
      [ATTR.outcome]: outcome,
    })
  // Four pro tenants; t1 and t2 use integrations and upgrade, all four search.
  for (const t of ['t1', 't2', 't3', 't4']) use('search', 'pro', t, 5)
  use('integration_connect', 'pro', 't1', 2)
  use('integration_connect', 'pro', 't2', 1)
  use('integration_connect', 'pro', 't3', 1)
  use('search', 'free', 't9', 7)
  use('search', 'free', 't9', 2, 'error')
  for (const [feature, n] of [
    ['search', 2],
    ['integration_connect', 2],
  ] as const) {
    prior.add(n, { [ATTR.featureName]: feature, [ATTR.planFrom]: 'pro', [ATTR.planTo]: 'enterprise' })
  }
  planChange.add(2, { [ATTR.planFrom]: 'pro', [ATTR.planTo]: 'enterprise' })
  planChange.add(1, { [ATTR.planFrom]: 'free', [ATTR.planTo]: 'pro' })
  stage.add(4, { [ATTR.featureName]: 'search', [ATTR.adoptionStage]: 'discovered', [ATTR.userPlan]: 'pro' })
  stage.add(1, { [ATTR.featureName]: 'search', [ATTR.adoptionStage]: 'discovered', [ATTR.userPlan]: 'free' })
  stage.add(3, { [ATTR.featureName]: 'search', [ATTR.adoptionStage]: 'activated', [ATTR.userPlan]: 'pro' })
  const outcome = (feature: string, o: string, n: number) =>
    retention.add(n, { [ATTR.featureName]: feature, [ATTR.userPlan]: 'pro', [ATTR.retentionOutcome]: o })
  outcome('alert_create', 'retained', 9)
  outcome('alert_create', 'churned', 1)
  outcome('search', 'retained', 6)
  outcome('search', 'churned', 4)
  // Billing decisions on pro: 60, of which 20 by tenants that used integration_connect since their
  // previous decision (8 upgrades, 11 renewals, 1 cancellation) and 40 by the others (2, 29, 9).
  const decision = meter.createCounter(METRICS.billingDecision, { unit: UNITS.count })
  const featureUse = meter.createCounter(METRICS.decisionFeatureUse, { unit: UNITS.count })
  const decide = (plan: string, kind: string, n: number) =>
    decision.add(n, { [ATTR.userPlan]: plan, [ATTR.billingDecision]: kind })
  const used = (feature: string, plan: string, kind: string, band: string, n: number) =>
    featureUse.add(n, {
      [ATTR.featureName]: feature,
      [ATTR.userPlan]: plan,
      [ATTR.billingDecision]: kind,
      [ATTR.usageBand]: band,
    })
  decide('pro', 'upgrade', 10)
  decide('pro', 'renewal', 40)
  decide('pro', 'cancellation', 10)
  used('integration_connect', 'pro', 'upgrade', '1-2', 3)
  used('integration_connect', 'pro', 'upgrade', '10-49', 5)
  used('integration_connect', 'pro', 'renewal', '1-2', 11)
  used('integration_connect', 'pro', 'cancellation', '1-2', 1)
  // Too few decisions on free for a comparison.
  decide('free', 'renewal', 5)
  decide('free', 'upgrade', 1)
  used('search', 'free', 'renewal', '3-9', 3)
  used('search', 'free', 'upgrade', '3-9', 1)
  // 20 calls: 19 within (5, 10] ms, one slow outlier in (250, 500].
  for (let i = 0; i < 19; i++) latency.record(7, { [ATTR.featureName]: 'search', [ATTR.userPlan]: 'pro' })
  latency.record(300, { [ATTR.featureName]: 'search', [ATTR.userPlan]: 'free' })
  // Distinct active users: search on pro 6 today, 15 this week, 24 this month (stickiness 25%);
  // on free 3 this month (not enough data).
  const active = meter.createObservableGauge(METRICS.distinctUsers, { unit: UNITS.users })
  active.addCallback((result) => {
    for (const [plan, window, users] of [
      ['pro', '1d', 6],
      ['pro', '7d', 15],
      ['pro', '30d', 24],
      ['free', '1d', 1],
      ['free', '7d', 2],
      ['free', '30d', 3],
    ] as const) {
      result.observe(users, {
        [ATTR.featureName]: 'search',
        [ATTR.userPlan]: plan,
        [ATTR.activityWindow]: window,
      })
    }
  })
}

/** What a simulator would have written for the dataset. */
export const DATASET_LEDGER: Ledger = {
  version: 1,
  seed: 1,
  scenario: { name: 't', sha256: '0' },
  planted: [],
  activeUsers: [{ feature: 'search', plan: 'pro', users: 24 }],
  totals: {
    [METRICS.usage]: [
      {
        attributes: { 'feature.name': 'search', 'feature.outcome': 'success', 'user.plan': 'pro' },
        value: 20,
      },
      {
        attributes: { 'feature.name': 'search', 'feature.outcome': 'success', 'user.plan': 'free' },
        value: 7,
      },
      {
        attributes: { 'feature.name': 'search', 'feature.outcome': 'error', 'user.plan': 'free' },
        value: 2,
      },
      {
        attributes: {
          'feature.name': 'integration_connect',
          'feature.outcome': 'success',
          'user.plan': 'pro',
        },
        value: 4,
      },
    ],
    [METRICS.planChange]: [
      { attributes: { 'plan.from': 'pro', 'plan.to': 'enterprise' }, value: 2 },
      { attributes: { 'plan.from': 'free', 'plan.to': 'pro' }, value: 1 },
    ],
    [METRICS.latency]: [
      { attributes: { 'feature.name': 'search', 'user.plan': 'pro' }, count: 19 },
      { attributes: { 'feature.name': 'search', 'user.plan': 'free' }, count: 1 },
    ],
  },
}
