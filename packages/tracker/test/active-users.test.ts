import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ATTR, METRICS } from '@feature-analytics/schema'
import { sdk } from '@feature-analytics/test-support/metrics'
import { createFeatureTracker, InMemoryActiveUsers } from '../src/index.ts'
import { HyperLogLog } from '../src/internal.ts'

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }
const DAY = 1000

/** Exact distinct users per window from the same marks, to hold the sketches to. */
function exact(marks: [day: number, user: string][], today: number) {
  const within = (days: number) =>
    new Set(marks.filter(([d]) => d <= today && d > today - days).map(([, u]) => u))
  return { '1d': within(1).size, '7d': within(7).size, '30d': within(30).size }
}

describe('distinct active users per window', () => {
  it('counts each user once per window, over 40 days, as exactly as the sketch allows', () => {
    const store = new InMemoryActiveUsers({ dayMillis: DAY })
    const marks: [number, string][] = []
    for (let day = 0; day < 40; day++) {
      // A loyal core of 30 users every day, 0..1999 churning in by day, each used twice a day.
      for (let i = 0; i < 30; i++) marks.push([day, `core-${i}`])
      for (let i = 0; i < 60; i++) marks.push([day, `u-${(day * 47 + i * 13) % 2000}`])
    }
    for (const [day, user] of [...marks, ...marks]) store.mark('search', 'pro', user, day * DAY + 500)
    for (const today of [0, 5, 29, 39]) {
      const got: Record<string, number> = Object.fromEntries(
        [...store.points(today * DAY + 999)].map((p) => [p.attributes[ATTR.activityWindow], p.value]),
      )
      const want = exact(marks, today)
      for (const window of ['1d', '7d', '30d'] as const) {
        // Exact below 1,024 distinct users (the sparse sketch), 1.6% standard error above: 4 sigma.
        const tolerance = want[window] < 1024 ? 0 : Math.ceil(4 * 0.01625 * want[window])
        assert.ok(
          Math.abs((got[window] ?? 0) - want[window]) <= tolerance,
          `day ${today} ${window}: ${got[window]} vs ${want[window]}`,
        )
      }
    }
    // Day 39 forgot day 9 and before: nothing older than the longest window is kept.
    assert.equal([...store.points(80 * DAY)].length, 0)
  })

  it('merges sketches into their union, sparse or dense', () => {
    const a = new HyperLogLog()
    const b = new HyperLogLog()
    for (let i = 0; i < 600; i++) a.add(`a-${i}`)
    for (let i = 0; i < 5000; i++) b.add(`b-${i}`)
    for (let i = 0; i < 300; i++) b.add(`a-${i}`)
    const union = new HyperLogLog()
    union.merge(a)
    assert.equal(union.estimate(), 600)
    union.merge(b)
    assert.ok(Math.abs(union.estimate() - 5600) < 4 * 0.01625 * 5600, `union ${union.estimate()}`)
  })

  it('exports product.feature.distinct_users per feature, plan and window, with no user id', async () => {
    const env = sdk()
    let now = 10 * 86_400_000
    const tracker = createFeatureTracker({ catalog, meterProvider: env.meterProvider, now: () => now })
    tracker.trackActiveUser('search', { userId: 'u-1', plan: 'pro' })
    tracker.trackActiveUser('search', { userId: 'u-1', plan: 'pro' })
    tracker.startFeatureSession('search', { userId: 'u-2', plan: 'pro' }).end()
    now += 86_400_000
    tracker.trackActiveUser('search', { userId: 'u-1', plan: 'pro' })
    tracker.trackActiveUser('nope', { userId: 'u-1', plan: 'pro' })
    tracker.trackActiveUser('search', { userId: '', plan: 'pro' })
    tracker.trackActiveUser('search', { userId: 'u-3', plan: 'gold' as never })
    const s = await env.collect()
    const points = s.points(METRICS.distinctUsers).map((p) => [p.attributes[ATTR.activityWindow], p.value])
    assert.deepEqual(points.sort(), [
      ['1d', 1],
      ['30d', 2],
      ['7d', 2],
    ])
    for (const p of s.points(METRICS.distinctUsers)) {
      assert.deepEqual(Object.keys(p.attributes).sort(), [
        ATTR.activityWindow,
        ATTR.featureName,
        ATTR.userPlan,
      ])
    }
    assert.equal(s.total(METRICS.dropped), 3)
    await env.shutdown()
  })
})
