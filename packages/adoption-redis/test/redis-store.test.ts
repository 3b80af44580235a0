import { ADOPTION_STAGES, ATTR, METRICS } from '@feature-analytics/schema'
import { startRedis } from '@feature-analytics/test-support/redis'
import { createFeatureTracker, type StageReached } from '@feature-analytics/tracker'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisAdoptionStore, RedisAdoptionStoreError, RedisStoreConfigError } from '../src/index.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }

describe('RedisAdoptionStore on a real redis-server', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>
  const stores: RedisAdoptionStore[] = []
  const store = (options: Partial<ConstructorParameters<typeof RedisAdoptionStore>[0]> = {}) => {
    const s = new RedisAdoptionStore({ url: redis.url, keyPrefix: `test:${stores.length}:`, ...options })
    stores.push(s)
    return s
  }

  beforeAll(async () => {
    redis = await startRedis()
  }, 20_000)
  afterAll(async () => {
    for (const s of stores) await s.close()
    await redis?.stop()
  })

  it('counts atomically: 1,000 concurrent adds get each count 1..1000 exactly once', async () => {
    const s = store()
    const counts = await Promise.all(Array.from({ length: 1000 }, () => s.add('u-1', 'search', 1)))
    expect(new Set(counts).size).toBe(1000)
    expect(Math.max(...counts)).toBe(1000)
    expect(await s.add('u-1', 'search', 7)).toBe(1007)
    expect(await s.add('u-1', 'report_export', 1)).toBe(1)
    expect(await s.add('u:1', 'search', 1)).toBe(1) // ids with the separator do not collide
  })

  it('counts tenant feature uses, takes them, and keeps prefixes apart', async () => {
    const [a, b] = [store(), store()]
    await a.markTenantFeature('acme', 'search')
    await a.markTenantFeature('acme', 'search')
    await a.markTenantFeature('acme', 'report_export')
    expect(await a.tenantFeatures('acme')).toEqual({ search: 2, report_export: 1 })
    expect(await b.tenantFeatures('acme')).toEqual({})
    expect(await a.takeTenantFeatures('acme')).toEqual({ search: 2, report_export: 1 })
    expect(await a.tenantFeatures('acme')).toEqual({})
    expect(await a.takeTenantFeatures('acme')).toEqual({})
  })

  it('sets the TTL with the write', async () => {
    const s = store({ ttlSeconds: 600, keyPrefix: 'ttl:' })
    await s.add('u-1', 'search', 1)
    await s.markTenantFeature('acme', 'search')
    const client = new Redis(redis.url)
    const keys = (await client.keys('ttl:*')).sort()
    const ttls = await Promise.all(keys.map((k) => client.ttl(k)))
    await client.quit()
    expect(keys.filter((k) => !k.startsWith('ttl:op:'))).toEqual([
      'ttl:count:6:search:u-1',
      'ttl:tenant-uses:acme',
    ])
    for (const [i, key] of keys.entries()) {
      // The operation key (the write's idempotency record) lives for the retry window, not the TTL.
      if (key.startsWith('ttl:op:')) expect(ttls[i]).toBeGreaterThan(55)
      else expect(ttls[i]).toBeGreaterThan(590)
    }
  })

  it('rejects a write that fails inside its MULTI, with or without a TTL', async () => {
    // A key of the wrong type makes HINCRBY / INCRBY fail on the server; ioredis reports that inside
    // the transaction's reply, which the store must turn into a rejection.
    const client = new Redis(redis.url)
    await client.set('wrongtype:tenant-uses:acme', 'not a hash')
    await client.rpush('wrongtype:count:6:search:u-1', 'not a number')
    await client.quit()
    for (const ttlSeconds of [600, undefined]) {
      const s = store({ keyPrefix: 'wrongtype:', ...(ttlSeconds ? { ttlSeconds } : {}) })
      await expect(s.markTenantFeature('acme', 'search')).rejects.toThrow(RedisAdoptionStoreError)
      await expect(s.markTenantFeature('acme', 'search')).rejects.toThrow(/WRONGTYPE/)
      await expect(s.add('u-1', 'search', 1)).rejects.toThrow(/WRONGTYPE/)
    }
  })

  it('fires each stage exactly once for 1,000 concurrent tracks split between two replicas', async () => {
    const reached: StageReached[] = []
    const replica = () => {
      const reader = new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      })
      const meterProvider = new MeterProvider({ readers: [reader] })
      // Each replica has its own Redis connection, as separate processes would.
      const adoptionStore = store({ keyPrefix: 'replicas:' })
      const tracker = createFeatureTracker({
        catalog,
        meterProvider,
        adoptionStore,
        onStageReached: (e) => void reached.push(e),
      })
      return { tracker, reader, meterProvider }
    }
    const replicas = [replica(), replica()]
    const use = {
      feature: 'report_export',
      userId: 'u-42',
      tenantId: 'acme',
      plan: 'pro',
      durationMs: 3,
    } as const
    await Promise.all(Array.from({ length: 1000 }, (_, i) => replicas[i % 2]?.tracker.trackFeatureUsed(use)))

    expect(reached.map((e) => e.stage).sort()).toEqual([...ADOPTION_STAGES].sort())
    expect(reached.map((e) => e.count).sort((a, b) => a - b)).toEqual([1, 3, 10, 50])
    const stagePoints = []
    let usage = 0
    for (const r of replicas) {
      const { resourceMetrics } = await r.reader.collect()
      for (const m of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
        for (const p of m.dataPoints) {
          if (m.descriptor.name === METRICS.adoptionStage)
            stagePoints.push([p.attributes[ATTR.adoptionStage], p.value])
          if (m.descriptor.name === METRICS.usage) usage += p.value as number
          if (m.descriptor.name === METRICS.dropped)
            throw new Error(`dropped: ${JSON.stringify(p.attributes)}`)
        }
      }
      await r.meterProvider.shutdown()
    }
    expect(usage).toBe(1000)
    expect(stagePoints.sort()).toEqual(ADOPTION_STAGES.map((s) => [s, 1]).sort())
    const [replicaStore] = stores.slice(-1)
    expect(await replicaStore?.tenantFeatures('acme')).toEqual({ report_export: 1000 })
  })

  it('rejects with a typed error when Redis is gone, and the tracker counts store_error', async () => {
    const refused: Error[] = []
    const dead = new RedisAdoptionStore({
      url: 'redis://127.0.0.1:1',
      commandTimeoutMillis: 300,
      retryForMillis: 500,
      onError: (error) => refused.push(error),
    })
    await expect(dead.add('u', 'search', 1)).rejects.toBeInstanceOf(RedisAdoptionStoreError)
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    })
    const meterProvider = new MeterProvider({ readers: [reader] })
    const tracker = createFeatureTracker({ catalog, meterProvider, adoptionStore: dead })
    await tracker.trackFeatureUsed({ feature: 'search', userId: 'u', tenantId: 't', plan: 'free' })
    const metrics = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
    const points = (name: string) =>
      metrics
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[])
    expect(points(METRICS.usage).map((p) => p.value)).toEqual([1])
    expect(points(METRICS.dropped).map((p) => [p.attributes.reason, p.value])).toEqual([['store_error', 1]])
    await meterProvider.shutdown()
    dead.redis.disconnect()
    expect(refused[0]?.message).toMatch(/ECONNREFUSED/)
  })

  it('refuses bad options and bad increments with typed errors', async () => {
    expect(() => new RedisAdoptionStore({})).toThrow(RedisStoreConfigError)
    expect(() => new RedisAdoptionStore({ url: redis.url, ttlSeconds: 0 })).toThrow(RedisStoreConfigError)
    expect(() => new RedisAdoptionStore({ url: redis.url, retryForMillis: -1 })).toThrow(/retryForMillis/)
    expect(() => new RedisAdoptionStore({ url: redis.url, maxPending: 0 })).toThrow(/maxPending/)
    await expect(store().add('u', 'search', 0)).rejects.toBeInstanceOf(RedisAdoptionStoreError)
  })
})
