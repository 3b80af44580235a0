import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { ADOPTION_STAGES, DEFAULT_ADOPTION_THRESHOLDS, METRICS } from '@feature-analytics/schema'
import { sdk } from '@feature-analytics/test-support/metrics'
import {
  type AdoptionStore,
  createFeatureTracker,
  InMemoryAdoptionStore,
  type StageReached,
} from '../src/index.ts'
import { stagesCrossed } from '../src/internal.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }
const use = { feature: 'report_export', userId: 'u-1', tenantId: 't-1', plan: 'pro', durationMs: 12 } as const

const stageCounts = (events: StageReached[]) =>
  Object.fromEntries(ADOPTION_STAGES.map((s) => [s, events.filter((e) => e.stage === s).length]))
const oncePerStage = Object.fromEntries(ADOPTION_STAGES.map((s) => [s, 1]))

describe('adoption stages', () => {
  let env = sdk()
  afterEach(async () => {
    await env.shutdown()
    env = sdk()
  })

  /** Two trackers (API replicas) sharing one store, and the stages they fire between them. */
  const replicas = (store: AdoptionStore) => {
    const reached: StageReached[] = []
    const replica = () =>
      createFeatureTracker({
        catalog,
        meterProvider: env.meterProvider,
        adoptionStore: store,
        onStageReached: (e) => {
          reached.push(e)
        },
      })
    return { reached, a: replica(), b: replica() }
  }

  it('fires each of the four stages exactly once over counts 1..60, at its threshold', async () => {
    const reached: StageReached[] = []
    const tracker = createFeatureTracker({
      catalog,
      meterProvider: env.meterProvider,
      onStageReached: (e) => {
        reached.push(e)
      },
    })
    for (let i = 1; i <= 60; i++) await tracker.trackFeatureUsed(use)

    assert.deepEqual(stageCounts(reached), oncePerStage)
    assert.deepEqual(
      reached.map((e) => [e.stage, e.count]),
      ADOPTION_STAGES.map((s) => [s, DEFAULT_ADOPTION_THRESHOLDS[s]]),
    )
    const snapshot = await env.collect()
    for (const stage of ADOPTION_STAGES) {
      assert.equal(snapshot.total(METRICS.adoptionStage, { 'adoption.stage': stage }), 1, stage)
    }
    assert.equal(snapshot.total(METRICS.usage), 60)
  })

  it('fires every crossed stage once when the count jumps by 7 per add', () => {
    const store = new InMemoryAdoptionStore()
    const fired: string[] = []
    for (let step = 1; step <= 9; step++) {
      const count = store.add('u-1', 'search', 7)
      for (const stage of stagesCrossed(DEFAULT_ADOPTION_THRESHOLDS, count, 7))
        fired.push(`${stage}@${count}`)
    }
    assert.deepEqual(fired, ['discovered@7', 'activated@7', 'adopted@14', 'power_user@56'])
  })

  it('fires each stage once for 1,000 concurrent tracks of the same user and feature', async () => {
    const reached: StageReached[] = []
    const tracker = createFeatureTracker({
      catalog,
      meterProvider: env.meterProvider,
      onStageReached: async (e) => {
        await new Promise((resolve) => setTimeout(resolve, 1))
        reached.push(e)
      },
    })
    await Promise.all(Array.from({ length: 1000 }, () => tracker.trackFeatureUsed(use)))

    assert.deepEqual(stageCounts(reached), oncePerStage)
    const snapshot = await env.collect()
    for (const stage of ADOPTION_STAGES) {
      assert.equal(snapshot.total(METRICS.adoptionStage, { 'adoption.stage': stage }), 1, stage)
    }
    assert.equal(snapshot.total(METRICS.usage), 1000)
  })

  it('fires each stage once across two trackers (replicas) sharing one store', async () => {
    const store = new InMemoryAdoptionStore()
    const { reached, a, b } = replicas(store)
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? a : b).trackFeatureUsed(use)))
    assert.deepEqual(stageCounts(reached), oncePerStage)
    assert.equal(store.add(use.userId, use.feature, 1), 201)
  })

  it('fires each stage once when an atomic store answers late and out of order, as Redis may', async () => {
    // The in-memory store answers at once, so nothing can interleave; this one counts atomically
    // but resolves each add after its own delay, so answers come back in a shuffled order.
    const counts = new InMemoryAdoptionStore()
    let seed = 7
    const delay = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % 4
    }
    const late = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), delay()))
    const store: AdoptionStore = {
      add: (userId, feature, n) => late(counts.add(userId, feature, n)),
      markTenantFeature: (tenantId, feature) => late(counts.markTenantFeature(tenantId, feature)),
      tenantFeatures: (tenantId) => late(counts.tenantFeatures(tenantId)),
      takeTenantFeatures: (tenantId) => late(counts.takeTenantFeatures(tenantId)),
    }
    const { reached, a, b } = replicas(store)
    await Promise.all(Array.from({ length: 1000 }, (_, i) => (i % 2 ? a : b).trackFeatureUsed(use)))
    assert.deepEqual(stageCounts(reached), oncePerStage)
    // Each stage fired with the count that reached its threshold, whatever order answers came in.
    assert.deepEqual(Object.fromEntries(reached.map((e) => [e.stage, e.count])), DEFAULT_ADOPTION_THRESHOLDS)
  })

  it('keeps usage and counts store_error when the store fails, synchronously or not', async () => {
    const broken = (how: 'throw' | 'reject'): AdoptionStore => {
      const fail = () => {
        if (how === 'throw') throw new Error('store down')
        return Promise.reject(new Error('store down'))
      }
      return { add: fail, markTenantFeature: fail, tenantFeatures: fail, takeTenantFeatures: fail }
    }
    for (const how of ['throw', 'reject'] as const) {
      const tracker = createFeatureTracker({
        catalog,
        meterProvider: env.meterProvider,
        adoptionStore: broken(how),
      })
      await tracker.trackFeatureUsed(use)
      await tracker.trackPlanChange({ tenantId: 't-1', from: 'pro', to: 'enterprise' })
    }
    const snapshot = await env.collect()
    assert.equal(snapshot.total(METRICS.usage), 2)
    assert.equal(snapshot.total(METRICS.latency), 2)
    assert.equal(snapshot.total(METRICS.planChange), 2)
    assert.equal(snapshot.total(METRICS.adoptionStage), 0)
    // One per failed event, not one per failed store call.
    assert.equal(snapshot.total(METRICS.dropped, { reason: 'store_error' }), 4)
  })

  it('counts a throwing or rejecting onStageReached as hook_error and still records the stage', async () => {
    let calls = 0
    const tracker = createFeatureTracker({
      catalog,
      meterProvider: env.meterProvider,
      onStageReached: () => {
        calls++
        if (calls === 1) throw new Error('hook bug')
        return Promise.reject(new Error('async hook bug'))
      },
    })
    for (let i = 0; i < 3; i++) await tracker.trackFeatureUsed(use)
    const snapshot = await env.collect()
    assert.equal(calls, 2)
    assert.equal(snapshot.total(METRICS.adoptionStage), 2)
    assert.equal(snapshot.total(METRICS.dropped, { reason: 'hook_error' }), 2)
  })
})

describe('failed calls', () => {
  it('count as usage but not toward adoption, prior usage or retention', async () => {
    const env = sdk()
    const store = new InMemoryAdoptionStore()
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider, adoptionStore: store })
    for (let i = 0; i < 5; i++) await tracker.trackFeatureUsed({ ...use, outcome: 'error' })
    await tracker.trackPlanChange({ tenantId: 't-1', from: 'pro', to: 'enterprise' })
    const snapshot = await env.collect()
    assert.equal(snapshot.total(METRICS.usage, { 'feature.outcome': 'error' }), 5)
    assert.equal(snapshot.total(METRICS.adoptionStage), 0)
    assert.equal(snapshot.total(METRICS.upgradePriorUsage), 0)
    assert.equal(store.add(use.userId, use.feature, 1), 1, 'no count was added for failed calls')
    await env.shutdown()
  })
})

describe('InMemoryAdoptionStore', () => {
  it('stays within maxEntries, keeps what is in use, forgets what is not, and counts evictions', () => {
    const store = new InMemoryAdoptionStore({ maxEntries: 10 })
    for (let i = 1; i <= 100; i++) {
      store.add(`u-${i}`, 'search', 1)
      store.add('u-0', 'search', 1) // in use all along
      assert.ok(store.size <= 10, `size ${store.size} after ${i} users`)
    }
    assert.equal(store.evicted, 101 - store.size, 'every count not kept was counted as evicted')
    assert.equal(store.add('u-0', 'search', 1), 101, 'the user in use kept its count')
    assert.equal(store.add('u-1', 'search', 1), 1, 'a user unused for 99 others was forgotten')
    assert.equal(store.add('u-100', 'search', 1), 2, 'the most recent user is still there')
  })

  it('keeps ids with shared prefixes apart', () => {
    const store = new InMemoryAdoptionStore()
    store.add('c', 'ab', 1)
    assert.equal(store.add('bc', 'a', 1), 1)
  })

  it('counts the features a tenant used, and takes them', () => {
    const store = new InMemoryAdoptionStore()
    store.markTenantFeature('t', 'search')
    store.markTenantFeature('t', 'search')
    store.markTenantFeature('t', 'report_export')
    assert.deepEqual(store.tenantFeatures('t'), { search: 2, report_export: 1 })
    assert.deepEqual(store.takeTenantFeatures('t'), { search: 2, report_export: 1 })
    assert.deepEqual(store.tenantFeatures('t'), {})
    assert.deepEqual(store.takeTenantFeatures('t'), {})
  })
})
