/**
 * Exactly-once adoption stages through Redis faults, on a real redis-server persisting every write
 * to its AOF: kill -9 and restart on the same port and directory, and a stall (SIGSTOP) longer than
 * the command timeout, after which Redis applies what it had already received.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ADOPTION_STAGES, DEFAULT_ADOPTION_THRESHOLDS, METRICS } from '@feature-analytics/schema'
import { startRedis, type TestRedis } from '@feature-analytics/test-support/redis'
import { createFeatureTracker, type StageReached } from '@feature-analytics/tracker'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RedisAdoptionStore } from '../src/index.ts'

const catalog = { search: { category: 'discovery' } }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('RedisAdoptionStore under Redis faults', () => {
  let dir: string
  let redis: TestRedis
  let store: RedisAdoptionStore
  const errors: Error[] = []
  const reached: StageReached[] = []
  let reader: PeriodicExportingMetricReader
  let tracker: ReturnType<typeof createFeatureTracker>

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adoption-redis-aof-'))
    redis = await startRedis({ aofDir: dir })
    errors.length = 0
    reached.length = 0
    reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    })
    store = new RedisAdoptionStore({
      url: redis.url,
      commandTimeoutMillis: 300,
      retryForMillis: 30_000,
      onError: (error) => errors.push(error),
    })
    tracker = createFeatureTracker({
      catalog,
      adoptionStore: store,
      onStageReached: (event) => void reached.push(event),
      meterProvider: new MeterProvider({ readers: [reader] }),
    })
  }, 20_000)
  afterEach(async () => {
    await store.close()
    await reader.shutdown()
    await redis.stop()
    await rm(dir, { recursive: true, force: true })
  })

  /** product.tracker.dropped, by reason: empty when nothing was refused or lost. */
  const dropped = async () => {
    const { resourceMetrics } = await reader.collect()
    return resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === METRICS.dropped)
      .flatMap((m) => m.dataPoints.map((p) => [p.attributes.reason, p.value]))
  }

  const use = (user: number) =>
    tracker.trackFeatureUsed({ feature: 'search', userId: `u-${user}`, tenantId: 't', plan: 'pro' })

  const stagesPerUser = () => {
    const fired = new Map<string, string[]>()
    for (const e of reached) fired.set(e.userId, [...(fired.get(e.userId) ?? []), e.stage])
    return fired
  }

  it('kill -9 and restart under traffic: every stage once per user, no count lost or replayed', async () => {
    const users = 20
    const uses = DEFAULT_ADOPTION_THRESHOLDS.power_user
    const consoleError = vi.spyOn(console, 'error')
    const inFlight: Promise<void>[] = []
    // Each user's uses go out in rounds; Redis dies after round 5 and comes back 3 s later, while
    // rounds keep being sent into the outage.
    for (let round = 1; round <= uses; round += 1) {
      for (let u = 0; u < users; u += 1) inFlight.push(use(u))
      if (round === 5) await redis.kill()
      if (round === 15) {
        await sleep(3000)
        await redis.restart()
      }
      await sleep(10)
    }
    await Promise.all(inFlight)
    expect(await dropped()).toEqual([])
    const fired = stagesPerUser()
    expect(fired.size).toBe(users)
    for (const stages of fired.values()) expect(stages.sort()).toEqual([...ADOPTION_STAGES].sort())
    const client = new Redis(redis.url)
    const counts = await Promise.all(
      Array.from({ length: users }, (_, u) => client.get(`feature-analytics:adoption:count:6:search:u-${u}`)),
    )
    await client.quit()
    expect(counts).toEqual(Array.from({ length: users }, () => String(uses)))
    // The tenant's feature uses (HINCRBY, one per use) went through the same replay: none twice, none lost.
    expect(await store.tenantFeatures('t')).toEqual({ search: users * uses })
    process.stdout.write(
      `redis kill -9 + restart: ${users} users x ${uses} uses, ${reached.length} stages fired ` +
        `(${users} x ${ADOPTION_STAGES.length} expected), counts in Redis all ${uses}, ${errors.length} errors reported through onError\n`,
    )
    expect(errors.length).toBeGreaterThan(0) // the outage was seen, and reported through onError
    expect(consoleError.mock.calls.flat().join(' ')).not.toContain('Unhandled error event')
    consoleError.mockRestore()
  }, 60_000)

  it('a stall past the command timeout: the increments Redis applies late still fire their stages', async () => {
    const users = 10
    await Promise.all(Array.from({ length: users }, (_, u) => use(u)))
    redis.stall()
    // Uses 2 and 3 go out while Redis is stopped; each client attempt times out after 300 ms, but
    // Redis has the commands in its socket buffer and applies them when it wakes up.
    const during = Array.from({ length: users * 2 }, (_, i) => use(i % users))
    await sleep(3000)
    redis.resume()
    await Promise.all(during)
    expect(await dropped()).toEqual([])
    const fired = stagesPerUser()
    expect(fired.size).toBe(users)
    for (const stages of fired.values()) expect(stages.sort()).toEqual(['activated', 'discovered'])
    // No connection error in a stall: the timeout that started the replay is what onError reports.
    expect(errors.map((e) => e.message).join('\n')).toMatch(/timed out/i)
    expect(reached.filter((e) => e.stage === 'activated').map((e) => e.count)).toEqual(
      Array.from({ length: users }, () => 3),
    )
    // Redis applied the timed-out HINCRBYs late; their retries answered from the operation id.
    expect(await store.tenantFeatures('t')).toEqual({ search: users * 3 })
    process.stdout.write(
      `redis SIGSTOP 3 s (command timeout 300 ms): activated fired ${reached.filter((e) => e.stage === 'activated').length} times for ${users} users\n`,
    )
  }, 30_000)
})
