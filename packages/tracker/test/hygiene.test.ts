import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DROP_REASONS,
  type DropReason,
  isPlan,
  METRICS,
  OTHER_TENANT,
  PLANS,
  RETENTION_OUTCOMES,
} from '@feature-analytics/schema'
import { sdk } from '@feature-analytics/test-support/metrics'
import fc from 'fast-check'
import { createFeatureTracker, TrackerConfigError } from '../src/index.ts'
import { TenantBudget } from '../src/internal.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }
const FEATURES = Object.keys(catalog)
const limits = { maxTenants: 3, maxValueLength: 16 }
const ok = { feature: 'search', userId: 'u-1', tenantId: 't-1', plan: 'free', durationMs: 5 }

// The README's policy table, row by row: what goes in, what is counted, what is kept.
const POLICY: { name: string; event: unknown; reason?: DropReason; usage: number; latency: number }[] = [
  { name: 'valid event', event: ok, usage: 1, latency: 1 },
  {
    name: 'unknown feature',
    event: { ...ok, feature: 'teleport' },
    reason: 'unknown_feature',
    usage: 0,
    latency: 0,
  },
  {
    name: 'prototype key as feature',
    event: { ...ok, feature: 'toString' },
    reason: 'unknown_feature',
    usage: 0,
    latency: 0,
  },
  { name: 'non-string user id', event: { ...ok, userId: 42 }, reason: 'invalid_id', usage: 0, latency: 0 },
  { name: 'empty tenant id', event: { ...ok, tenantId: '' }, reason: 'invalid_id', usage: 0, latency: 0 },
  {
    name: 'over-long user id',
    event: { ...ok, userId: 'u'.repeat(17) },
    reason: 'value_too_long',
    usage: 0,
    latency: 0,
  },
  { name: 'unknown plan', event: { ...ok, plan: 'platinum' }, reason: 'unknown_plan', usage: 0, latency: 0 },
  {
    name: 'unknown outcome',
    event: { ...ok, outcome: 'maybe' },
    reason: 'invalid_value',
    usage: 0,
    latency: 0,
  },
  {
    name: 'negative duration',
    event: { ...ok, durationMs: -1 },
    reason: 'invalid_value',
    usage: 1,
    latency: 0,
  },
  {
    name: 'NaN duration',
    event: { ...ok, durationMs: Number.NaN },
    reason: 'invalid_value',
    usage: 1,
    latency: 0,
  },
  {
    name: 'infinite duration',
    event: { ...ok, durationMs: Number.POSITIVE_INFINITY },
    reason: 'invalid_value',
    usage: 1,
    latency: 0,
  },
  { name: 'no duration', event: { ...ok, durationMs: undefined }, usage: 1, latency: 0 },
  { name: 'not an object', event: 'search', reason: 'invalid_value', usage: 0, latency: 0 },
  {
    name: 'throwing getter',
    event: Object.defineProperty({ ...ok }, 'userId', {
      get() {
        throw new Error('boom')
      },
    }),
    reason: 'invalid_value',
    usage: 0,
    latency: 0,
  },
]

describe('input hygiene policy', () => {
  for (const row of POLICY) {
    it(`${row.name}: ${row.reason ?? 'accepted'}`, async () => {
      const env = sdk()
      const tracker = createFeatureTracker({ catalog, limits, meterProvider: env.meterProvider })
      await tracker.trackFeatureUsed(row.event as never)
      const snapshot = await env.collect()
      assert.equal(snapshot.total(METRICS.usage), row.usage)
      assert.equal(snapshot.total(METRICS.latency), row.latency)
      const dropped = snapshot.points(METRICS.dropped)
      assert.deepEqual(
        dropped.map((p) => [p.attributes.reason, p.value]),
        row.reason ? [[row.reason, 1]] : [],
      )
      await env.shutdown()
    })
  }

  it('folds tenants beyond the budget into _other and counts each fold', async () => {
    const env = sdk()
    const tracker = createFeatureTracker({ catalog, limits, meterProvider: env.meterProvider })
    for (let t = 1; t <= 5; t++) await tracker.trackFeatureUsed({ ...ok, plan: 'free', tenantId: `t-${t}` })
    await tracker.trackFeatureUsed({ ...ok, plan: 'free', tenantId: 't-2' })
    const snapshot = await env.collect()
    const tenants = snapshot.points(METRICS.usage).map((p) => [p.attributes['tenant.id'], p.value])
    assert.deepEqual(tenants.sort(), [
      [OTHER_TENANT, 2],
      ['t-1', 1],
      ['t-2', 2],
      ['t-3', 1],
    ])
    assert.equal(snapshot.total(METRICS.dropped, { reason: 'tenant_budget_exceeded' }), 2)
    await env.shutdown()
  })

  it('throws TrackerConfigError for a bad catalog or options, at setup only', () => {
    const bad: unknown[] = [
      undefined,
      {},
      { catalog: {} },
      { catalog: [] },
      { catalog: { search: {} } },
      { catalog: { search: { category: 'x'.repeat(200) } } },
      { catalog, thresholds: { discovered: 3, activated: 3, adopted: 10, power_user: 50 } },
      { catalog, limits: { maxTenants: 0 } },
      { catalog, recorder: {} },
      { catalog, adoptionStore: { add() {} } },
      { catalog, onStageReached: 'yes' },
      { catalog, tenantBudget: { admit: () => true } },
      { catalog, tenantBudget: new TenantBudget(2), limits: { maxTenants: 2 } },
    ]
    for (const options of bad) {
      assert.throws(() => createFeatureTracker(options as never), TrackerConfigError, JSON.stringify(options))
    }
  })
})

/** The policy as an oracle: what the tracker must do with one event, given the tenants admitted so far. */
function expectFeatureUsed(event: unknown, admitted: Set<string>) {
  const drops: DropReason[] = []
  if (typeof event !== 'object' || event === null) return { usage: false, drops: ['invalid_value' as const] }
  const e = event as Record<string, unknown>
  const idReason = (v: unknown): DropReason | undefined =>
    typeof v !== 'string' || v.length === 0
      ? 'invalid_id'
      : v.length > limits.maxValueLength
        ? 'value_too_long'
        : undefined
  const refusal =
    (typeof e.feature === 'string' && FEATURES.includes(e.feature) ? undefined : 'unknown_feature') ??
    idReason(e.userId) ??
    idReason(e.tenantId) ??
    (isPlan(e.plan) ? undefined : 'unknown_plan') ??
    (e.outcome === undefined || e.outcome === 'success' || e.outcome === 'error'
      ? undefined
      : 'invalid_value')
  if (refusal) return { usage: false, drops: [refusal] }
  const tenant = e.tenantId as string
  if (!admitted.has(tenant)) {
    if (admitted.size < limits.maxTenants) admitted.add(tenant)
    else drops.push('tenant_budget_exceeded')
  }
  const d = e.durationMs
  if (d !== undefined && !(typeof d === 'number' && d >= 0 && d < Number.POSITIVE_INFINITY))
    drops.push('invalid_value')
  // The usage series this event lands in: an over-budget tenant shares OTHER_TENANT's.
  const seriesTenant = admitted.has(tenant) ? tenant : OTHER_TENANT
  const series = [e.feature, e.plan, seriesTenant, e.outcome ?? 'success'].join('|')
  return { usage: true, drops, series }
}

const validTenant = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= limits.maxValueLength
const validSession = ([feature, user]: readonly [unknown, unknown]) =>
  typeof feature === 'string' &&
  FEATURES.includes(feature) &&
  validTenant(field(user, 'userId')) &&
  isPlan(field(user, 'plan'))
const field = (v: unknown, k: string) =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined
const validPlanChange = (c: unknown) =>
  typeof c === 'object' &&
  c !== null &&
  validTenant(field(c, 'tenantId')) &&
  isPlan(field(c, 'from')) &&
  isPlan(field(c, 'to')) &&
  field(c, 'from') !== field(c, 'to')
const validRetention = (c: unknown) =>
  typeof c === 'object' &&
  c !== null &&
  validTenant(field(c, 'tenantId')) &&
  isPlan(field(c, 'plan')) &&
  RETENTION_OUTCOMES.includes(field(c, 'outcome') as never)

const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof(good, fc.anything(), fc.string({ maxLength: 20 }))
const garbageEvent = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        feature: maybe(fc.constantFrom(...FEATURES, 'toString', '__proto__')),
        userId: maybe(fc.string({ minLength: 1, maxLength: 20 })),
        tenantId: maybe(fc.constantFrom('t-1', 't-2', 't-3', 't-4', 't-5', 't-6', OTHER_TENANT)),
        plan: maybe(fc.constantFrom(...PLANS)),
        durationMs: maybe(fc.double()),
        outcome: maybe(fc.constantFrom('success', 'error')),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.anything() },
)

const garbageChange = fc.oneof(
  fc.record(
    {
      tenantId: maybe(fc.constantFrom('t-1', 't-2')),
      from: maybe(fc.constantFrom(...PLANS)),
      to: maybe(fc.constantFrom(...PLANS)),
      plan: maybe(fc.constantFrom(...PLANS)),
      outcome: maybe(fc.constantFrom(...RETENTION_OUTCOMES)),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
)

describe('garbage in (property-based)', () => {
  it('never throws or rejects, counts every refusal, and keeps series within the tenant budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(garbageEvent, { maxLength: 40 }),
        fc.array(
          fc.tuple(
            maybe(fc.constantFrom(...FEATURES)),
            maybe(fc.record({ userId: maybe(fc.string()), plan: maybe(fc.constantFrom(...PLANS)) })),
          ),
          { maxLength: 5 },
        ),
        fc.array(garbageChange, { maxLength: 6 }),
        async (events, sessions, changes) => {
          const env = sdk()
          const tracker = createFeatureTracker({ catalog, limits, meterProvider: env.meterProvider })
          const admitted = new Set<string>()
          const expected = new Map<DropReason, number>()
          let expectedUsage = 0
          const expectedSeries = new Set<string>()
          for (const event of events) {
            const want = expectFeatureUsed(event, admitted)
            if (want.usage) expectedUsage++
            if (want.series) expectedSeries.add(want.series)
            for (const r of want.drops) expected.set(r, (expected.get(r) ?? 0) + 1)
            await tracker.trackFeatureUsed(event as never)
          }
          const snapshot = await env.collect()
          assert.equal(snapshot.total(METRICS.usage), expectedUsage)
          for (const reason of DROP_REASONS) {
            assert.equal(snapshot.total(METRICS.dropped, { reason }), expected.get(reason) ?? 0, reason)
          }

          // Sessions, plan changes and renewals take garbage too: each call is recorded or counted.
          const open = sessions.map(([feature, user]) =>
            tracker.startFeatureSession(feature as never, user as never),
          )
          // While open, active users count exactly the sessions the policy accepts.
          assert.equal((await env.collect()).total(METRICS.activeUsers), sessions.filter(validSession).length)
          for (const session of open) session.end()
          const refusedChanges = changes.filter((c) => !validPlanChange(c)).length
          const refusedRenewals = changes.filter((c) => !validRetention(c)).length
          for (const change of changes) {
            await tracker.trackPlanChange(change as never)
            await tracker.trackRetention(change as never)
          }
          const after = await env.collect()
          assert.equal(after.total(METRICS.planChange), changes.length - refusedChanges)
          const newDrops = after.total(METRICS.dropped) - snapshot.total(METRICS.dropped)
          const refusedSessions = newDrops - refusedChanges - refusedRenewals
          assert.ok(
            refusedSessions >= 0 && refusedSessions <= sessions.length,
            `session drops ${refusedSessions}`,
          )
          assert.equal(refusedSessions, sessions.filter((s) => !validSession(s)).length)
          for (const p of after.points(METRICS.dropped))
            assert.ok(DROP_REASONS.includes(p.attributes.reason as DropReason))
          for (const p of after.points(METRICS.activeUsers)) assert.equal(p.value, 0)

          const usageSeries = snapshot.points(METRICS.usage)
          const tenants = new Set(usageSeries.map((p) => p.attributes['tenant.id']))
          assert.ok(tenants.size <= limits.maxTenants + 1, `tenants: ${[...tenants].join(',')}`)
          assert.ok(usageSeries.length <= FEATURES.length * PLANS.length * (limits.maxTenants + 1) * 2)
          // Exactly the series the policy predicts: admitted tenants keep theirs, the rest share one.
          assert.equal(usageSeries.length, expectedSeries.size)
          for (const p of snapshot.points(METRICS.latency)) assert.equal(p.attributes['tenant.id'], undefined)
          for (const { metric } of snapshot.metrics) {
            for (const point of metric.dataPoints) assert.equal(point.attributes['user.id'], undefined)
          }
          await env.shutdown()
        },
      ),
      { numRuns: 60 },
    )
  })

  it('counts every garbage plan change and renewal exactly once', async () => {
    const env = sdk()
    const tracker = createFeatureTracker({ catalog, limits, meterProvider: env.meterProvider })
    const garbage = [
      null,
      7,
      {},
      { tenantId: 't' },
      { tenantId: 't', from: 'pro', to: 'pro' },
      { tenantId: 't', plan: 'pro', outcome: 'maybe' },
    ]
    for (const g of garbage) {
      await tracker.trackPlanChange(g as never)
      await tracker.trackRetention(g as never)
    }
    const snapshot = await env.collect()
    assert.equal(snapshot.total(METRICS.dropped), garbage.length * 2)
    assert.equal(snapshot.total(METRICS.planChange), 0)
    assert.equal(snapshot.total(METRICS.retentionOutcome), 0)
    await env.shutdown()
  })
})
