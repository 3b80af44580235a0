/**
 * Two API replicas sharing one Redis, as in the stack: each its own Koa app, tracker and Redis
 * connection. A tenant's feature use answered by one replica must be in the features its next
 * billing decision counts, whichever replica takes that decision.
 */
import type { AddressInfo } from 'node:net'
import { ATTR, METRICS } from '@feature-analytics/schema'
import { startRedis } from '@feature-analytics/test-support/redis'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { featureTracking } from '@feature-analytics/tracker-koa'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisAdoptionStore } from '../src/index.ts'

const FEATURES = Array.from({ length: 200 }, (_, i) => `feature_${i}`)
const catalog = Object.fromEntries(FEATURES.map((name) => [name, { category: 'test' }]))

describe('two replicas on one Redis: billing decisions count every use', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>
  const closers: (() => Promise<unknown>)[] = []

  beforeAll(async () => {
    redis = await startRedis()
  }, 20_000)
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await redis?.stop()
  })

  /** One replica: its own Redis connection (a short command timeout, so a stall trips it) and metrics. */
  const replica = (keyPrefix: string) => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    })
    const meterProvider = new MeterProvider({ readers: [reader] })
    const store = new RedisAdoptionStore({ url: redis.url, keyPrefix, commandTimeoutMillis: 200 })
    const tracker = createFeatureTracker({ catalog, meterProvider, adoptionStore: store })
    closers.push(
      () => store.close(),
      () => meterProvider.shutdown(),
    )
    /** Sum of a metric's points, by the value of one attribute. */
    const totals = async (metric: string, by: string) => {
      const { resourceMetrics } = await reader.collect()
      const sums = new Map<string, number>()
      for (const m of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
        if (m.descriptor.name !== metric) continue
        for (const p of m.dataPoints) {
          const key = String(p.attributes[by])
          sums.set(key, (sums.get(key) ?? 0) + (p.value as number))
        }
      }
      return sums
    }
    return { store, tracker, totals }
  }

  /** A replica as an HTTP server: a feature route behind tracker-koa, and an upgrade route. */
  const serve = async (keyPrefix: string) => {
    const r = replica(keyPrefix)
    const trackFeature = featureTracking(r.tracker)
    const app = new Koa()
    app.use(async (ctx, next) => {
      const tenantId = ctx.get('x-tenant-id')
      ctx.state.user = { userId: `${tenantId}-owner`, tenantId, plan: 'free' }
      await next()
    })
    const feature = trackFeature(FEATURES[0] as string)
    app.use(async (ctx, next) => {
      if (ctx.path === '/feature') {
        await feature(ctx, async () => {
          ctx.body = { ok: true }
        })
      } else if (ctx.path === '/upgrade') {
        await r.tracker.trackPlanChange({ tenantId: ctx.state.user.tenantId, from: 'free', to: 'pro' })
        ctx.body = { ok: true }
      } else await next()
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    closers.push(() => new Promise((resolve) => server.close(resolve)))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const call = async (path: string, tenantId: string) => {
      const response = await fetch(url + path, { headers: { 'x-tenant-id': tenantId } })
      expect(response.status).toBe(200)
    }
    return { ...r, call }
  }

  it('a use answered by replica A is in the plan change replica B makes next, through a Redis stall', async () => {
    const [a, b] = [await serve('stall:'), await serve('stall:')]
    const rounds = 5
    for (let round = 0; round < rounds; round++) {
      const tenant = `tenant-${round}`
      // Redis stalls (an fsync under `appendfsync always` on a busy disk, say) past A's command
      // timeout while A has a call in flight: A then replays its calls in order, one at a time,
      // and queues every new one behind them until Redis answers again.
      redis.stall()
      const inFlight = a.call('/feature', `other-${round}`)
      await new Promise((resolve) => setTimeout(resolve, 300))
      setTimeout(() => redis.resume(), 300)
      // The tenant's owner uses a feature on A, then upgrades on B once A has answered.
      await a.call('/feature', tenant)
      await b.call('/upgrade', tenant)
      await inFlight
    }
    await a.store.settle(5000)
    const prior = await b.totals(METRICS.upgradePriorUsage, ATTR.featureName)
    console.log(
      `cross-replica stall: ${prior.get(FEATURES[0] as string) ?? 0} of ${rounds} upgrades counted the use`,
    )
    expect(prior.get(FEATURES[0] as string)).toBe(rounds)
    // Nothing was left behind for a later decision either.
    for (let round = 0; round < rounds; round++) {
      expect(await b.store.tenantFeatures(`tenant-${round}`)).toEqual({})
    }
  }, 30_000)

  it('a use marked on A while B takes a decision goes to that decision or the next, never to neither', async () => {
    const [a, b] = [replica('concurrent:'), replica('concurrent:')]
    const tenant = 'acme'
    // 200 users of the tenant each use a different feature on A, a few at a time, while the owner
    // renews on B again and again: every feature must be counted by exactly one renewal.
    let settled = false
    const uses = (async () => {
      for (let i = 0; i < FEATURES.length; i += 4) {
        await Promise.all(
          FEATURES.slice(i, i + 4).map((feature, j) =>
            a.tracker.trackFeatureUsed({ feature, userId: `u-${i + j}`, tenantId: tenant, plan: 'pro' }),
          ),
        )
      }
      settled = true
    })()
    let decisions = 0
    while (!settled) {
      await b.tracker.trackRetention({ tenantId: tenant, plan: 'pro', outcome: 'retained' })
      decisions += 1
    }
    await uses
    await b.tracker.trackRetention({ tenantId: tenant, plan: 'pro', outcome: 'retained' })
    const counted = await b.totals(METRICS.retentionOutcome, ATTR.featureName)
    const total = [...counted.values()].reduce((sum, n) => sum + n, 0)
    console.log(
      `concurrent decisions: ${decisions + 1} renewals on B counted ${counted.size} of ${FEATURES.length} features marked on A (${total} times)`,
    )
    expect(total).toBe(FEATURES.length)
    expect([...counted.values()].every((n) => n === 1)).toBe(true)
  }, 30_000)
})
