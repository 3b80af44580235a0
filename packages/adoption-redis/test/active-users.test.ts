import { ATTR, METRICS } from '@feature-analytics/schema'
import { sdk } from '@feature-analytics/test-support/metrics'
import { startRedis } from '@feature-analytics/test-support/redis'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisActiveUsers, RedisStoreConfigError } from '../src/index.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }
const features = Object.keys(catalog)
const DAY = 60_000

describe('RedisActiveUsers on a real redis-server', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>
  const clients: Redis[] = []
  const client = () => {
    const c = new Redis(redis.url)
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    redis = await startRedis()
  }, 20_000)
  afterAll(async () => {
    for (const c of clients) c.disconnect()
    await redis?.stop()
  })

  it('three replicas report the same distinct users per window as one would, restarts included', async () => {
    let now = 100 * DAY
    const replica = () =>
      new RedisActiveUsers({
        redis: client(),
        features,
        keyPrefix: 'test:a:',
        dayMillis: DAY,
        now: () => now,
      })
    let replicas = [replica(), replica(), replica()]
    const seen = new Map<number, Set<string>>()
    // 40 days; each day 25 loyal users and 40 of 1,500 others, every mark on a random replica.
    for (let day = 0; day < 40; day++, now += DAY) {
      const users = [
        ...Array.from({ length: 25 }, (_, i) => `core-${i}`),
        ...Array.from({ length: 40 }, (_, i) => `u-${(day * 37 + i * 11) % 1500}`),
      ]
      seen.set(day, new Set(users))
      for (const [i, user] of users.entries()) replicas[(i * 7 + day) % 3]?.mark('search', 'pro', user, now)
      // Each replica reads right after its own write: the others' may land later, so a snapshot
      // lags by up to one refresh period. A second round reads everything.
      await Promise.all(replicas.map((r) => r.refresh()))
      await Promise.all(replicas.map((r) => r.refresh()))
      // A replica restarts on day 20: what it wrote is in Redis, the new one reads it back.
      if (day === 20) {
        await replicas[0]?.close()
        replicas = [replica(), replicas[1] as RedisActiveUsers, replicas[2] as RedisActiveUsers]
        await Promise.all(replicas.map((r) => r.refresh()))
      }
      const exact = (days: number) => {
        const union = new Set<string>()
        for (let d = day - days + 1; d <= day; d++) for (const u of seen.get(d) ?? []) union.add(u)
        return union.size
      }
      for (const r of replicas) {
        const got = Object.fromEntries(
          [...r.points()]
            .filter((p) => p.attributes[ATTR.featureName] === 'search')
            .map((p) => [p.attributes[ATTR.activityWindow], p.value]),
        )
        // Redis's HyperLogLog: 0.81% standard error; 4 of them, and at least 1.
        for (const [window, days] of [
          ['1d', 1],
          ['7d', 7],
          ['30d', 30],
        ] as const) {
          const want = exact(days)
          expect(Math.abs((got[window] ?? 0) - want), `day ${day} ${window}`).toBeLessThanOrEqual(
            Math.max(1, Math.ceil(4 * 0.0081 * want)),
          )
        }
      }
    }
    await Promise.all(replicas.map((r) => r.close()))
  })

  it('feeds product.feature.distinct_users through the tracker, and counts marks it cannot hold', async () => {
    const env = sdk()
    const store = new RedisActiveUsers({ redis: client(), features, keyPrefix: 'test:b:', maxPending: 2 })
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider, activeUsers: store })
    tracker.trackActiveUser('report_export', { userId: 'u-1', plan: 'enterprise' })
    tracker.trackActiveUser('report_export', { userId: 'u-2', plan: 'enterprise' })
    tracker.trackActiveUser('report_export', { userId: 'u-3', plan: 'enterprise' })
    await store.refresh()
    const s = await env.collect()
    expect(s.points(METRICS.distinctUsers).map((p) => [p.attributes[ATTR.activityWindow], p.value])).toEqual([
      ['1d', 2],
      ['7d', 2],
      ['30d', 2],
    ])
    expect(s.points(METRICS.dropped).map((p) => [p.attributes[ATTR.reason], p.value])).toEqual([
      ['store_error', 1],
    ])
    await store.close()
    await env.shutdown()
  })

  it('refuses a configuration it cannot work with', () => {
    expect(() => new RedisActiveUsers({ redis: client(), features, dayMillis: 0 })).toThrow(
      RedisStoreConfigError,
    )
  })
})
