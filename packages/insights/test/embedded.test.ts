/**
 * Embedded mode end to end: metrics recorded through the real OpenTelemetry SDK, served by the real
 * Prometheus exporter over HTTP, read back through the catalog and the ledger check.
 */
import { METRICS } from '@feature-analytics/schema'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkableWindows,
  checkPassed,
  collectInsights,
  compareActiveUsers,
  compareLedger,
  formatCheck,
  formatInsights,
  type Ledger,
  metricsEndpointSource,
} from '../src/index.ts'
import { DATASET_LEDGER, recordDataset } from './dataset.ts'
import { startPrometheusPage } from './prometheus-page.ts'

let page: Awaited<ReturnType<typeof startPrometheusPage>>

beforeAll(async () => {
  page = await startPrometheusPage()
  recordDataset(page.provider)
})

afterAll(() => page.close())

describe('insights from an app’s own /metrics', () => {
  it('summarizes usage, funnel, upgrade and retention drivers against same-plan non-users, and p95', async () => {
    const insights = await collectInsights(await metricsEndpointSource(page.url))
    expect(insights.usage).toEqual([
      { feature: 'search', plan: 'pro', calls: 20 },
      { feature: 'search', plan: 'free', calls: 7 },
      { feature: 'integration_connect', plan: 'pro', calls: 4 },
    ])
    expect(insights.errors).toEqual([{ feature: 'search', plan: 'free', calls: 2 }])
    expect(insights.funnel.map(({ feature, stages }) => ({ feature, stages }))).toEqual([
      { feature: 'search', stages: { discovered: 5, activated: 3, adopted: 0, power_user: 0 } },
    ])
    expect(insights.decisions).toEqual({
      pro: { renewal: 40, upgrade: 10, downgrade: 0, cancellation: 10 },
      free: { renewal: 5, upgrade: 1, downgrade: 0, cancellation: 0 },
    })
    // Upgrades: 8 of 20 users vs 2 of 40 others, RR 8; Fisher p from scipy.stats.fisher_exact
    // ([[8, 12], [2, 38]]); one tested row, so q = p.
    const [upgrade, tooFew] = insights.upgradeDrivers
    expect(upgrade).toMatchObject({
      feature: 'integration_connect',
      plan: 'pro',
      users: 20,
      nonUsers: 40,
      usersWithOutcome: 8,
      nonUsersWithOutcome: 2,
      significant: true,
    })
    expect(upgrade?.ratio).toBeCloseTo(8, 12)
    expect(upgrade?.pValue).toBeCloseTo(0.0013948022064207016, 12)
    expect(upgrade?.qValue).toBeCloseTo(0.0013948022064207016, 12)
    expect(tooFew).toMatchObject({ feature: 'search', plan: 'free', users: 4, nonUsers: 2, ratio: null })
    expect(tooFew?.note).toBe('not enough data')
    // Cancellations: 1 of 20 vs 9 of 40 (scipy: p = 0.1423159397421387), not significant.
    const [retention] = insights.retentionDrivers
    expect(retention).toMatchObject({ feature: 'integration_connect', significant: false })
    expect(retention?.ratio).toBeCloseTo(0.05 / 0.225, 12)
    expect(retention?.pValue).toBeCloseTo(0.1423159397421387, 12)
    expect(
      insights.usageBands.find((b) => b.feature === 'integration_connect' && b.band === '10-49'),
    ).toMatchObject({ decisions: 5, upgrade: { successes: 5, n: 5, rate: 1 } })
    expect(insights.funnel[0]?.conversions[0]).toMatchObject({
      from: 'discovered',
      to: 'activated',
      rate: 0.6,
    })
    // rank 19 of 20 falls in (5, 10] holding 19: 5 + 5 * (19 / 19)
    expect(insights.latencyP95).toEqual([{ feature: 'search', p95Ms: 10 }])
    // Per plan: pro's 19 calls in (5, 10] interpolate; free's one call is not enough data.
    expect(insights.latency).toEqual([
      { feature: 'search', plan: 'pro', calls: 19, p50Ms: 7.5, p95Ms: 9.75, p99Ms: 9.95, slowest: [] },
      {
        feature: 'search',
        plan: 'free',
        calls: 1,
        p50Ms: undefined,
        p95Ms: undefined,
        p99Ms: undefined,
        slowest: [],
      },
    ])
    expect(insights.exemplars).toBe(false)
    // Stickiness 6/24 with both counts 1.96 x 1.625% off: 6(1 -/+ z) / 24(1 +/- z).
    const z = 1.96 * (1.04 / 64)
    expect(insights.activeUsers).toEqual([
      {
        feature: 'search',
        plan: 'pro',
        dau: 6,
        wau: 15,
        mau: 24,
        stickiness: 0.25,
        stickinessLow: (6 * (1 - z)) / (24 * (1 + z)),
        stickinessHigh: (6 * (1 + z)) / (24 * (1 - z)),
      },
      {
        feature: 'search',
        plan: 'free',
        dau: 1,
        wau: 2,
        mau: 3,
        stickiness: null,
        stickinessLow: null,
        stickinessHigh: null,
        note: 'not enough data',
      },
    ])
    const text = formatInsights(insights)
    expect(text).toContain('Usage by feature and plan')
    expect(text).toMatch(/integration_connect\s+pro\s+8\/20\s+2\/40\s+8\.00x/)
    expect(text).toMatch(/search\s+free\s+1\/4\s+0\/2\s+not enough data/)
    expect(text).toMatch(/search\s+pro\s+19\s+7\.5 ms\s+9\.8 ms\s+9\.9 ms\s+-/)
    expect(text).toContain('this source has no exemplars')
    expect(text).toMatch(/search\s+pro\s+6\s+15\s+24\s+25% \(23%-27%\)/)
    expect(text).toMatch(/search\s+free\s+1\s+2\s+3\s+not enough data/)
  })

  it('checks distinct active users against a ledger within the sketch error, and reports what is off', async () => {
    const source = await metricsEndpointSource(page.url)
    // 24 within 4 x 1.625% (2 users): 22 and 26 agree, 27 does not; the 30d free series is not in the ledger.
    const ledger = (users: number): Ledger => ({
      ...DATASET_LEDGER,
      activeUsers: [{ feature: 'search', plan: 'pro', users }],
    })
    const near = await compareActiveUsers(ledger(26), source)
    expect(near.checked).toBe(3)
    // 1d (6) and 7d (15) are far from 26 whatever the window; only 30d agrees.
    expect(near.mismatches.map((m) => [m.attributes['activity.window'], m.expected, m.actual])).toEqual([
      ['1d', 26, 6],
      ['7d', 26, 15],
      ['1d', undefined, 1],
      ['7d', undefined, 2],
      ['30d', undefined, 3],
    ])
    const far = await compareActiveUsers(ledger(27), source)
    expect(
      far.mismatches.find((m) => m.attributes['activity.window'] === '30d' && m.expected === 27)?.actual,
    ).toBe(24)
  })

  it('leaves the 1d window out of the check for a run that crossed UTC midnight, and only then', async () => {
    const started = Date.UTC(2026, 11, 1, 23, 59, 44)
    expect(checkableWindows(started, Date.UTC(2026, 11, 1, 23, 59, 59))).toEqual({
      windows: ['1d', '7d', '30d'],
    })
    const crossed = checkableWindows(started, Date.UTC(2026, 11, 2, 0, 1, 31))
    expect(crossed.windows).toEqual(['7d', '30d'])
    expect(crossed.skipped).toContain('crossed UTC midnight')
    // The page's 1d series (6 and 1) are far from the ledger's 26; left out, they are not reported.
    const ledger: Ledger = { ...DATASET_LEDGER, activeUsers: [{ feature: 'search', plan: 'pro', users: 26 }] }
    const result = await compareActiveUsers(ledger, await metricsEndpointSource(page.url), crossed.windows)
    expect(result.checked).toBe(2)
    expect(result.mismatches.map((m) => [m.attributes['activity.window'], m.expected, m.actual])).toEqual([
      ['7d', 26, 15],
      ['7d', undefined, 2],
      ['30d', undefined, 3],
    ])
  })

  it('checks a ledger: equal totals pass, and every kind of difference is reported', async () => {
    const ledger = DATASET_LEDGER
    const source = await metricsEndpointSource(page.url)
    const good = await compareLedger(ledger, source)
    expect(good).toEqual({ checked: 8, mismatches: [] })
    expect(checkPassed(good)).toBe(true)
    expect(formatCheck(good)).toBe('checked 8 series, 0 mismatches')

    const usage = ledger.totals[METRICS.usage] ?? []
    const bad: Ledger = {
      ...ledger,
      totals: {
        [METRICS.usage]: [{ ...usage[0], value: 21 } as (typeof usage)[number], ...usage.slice(2)],
        [METRICS.planChange]: [
          ...(ledger.totals[METRICS.planChange] ?? []),
          { attributes: { 'plan.from': 'pro', 'plan.to': 'free' }, value: 1 },
        ],
      },
    }
    const result = await compareLedger(bad, source)
    expect(result.checked).toBe(6)
    expect(checkPassed(result)).toBe(false)
    const report = formatCheck(result)
    expect(report).toContain(
      'MISMATCH product.feature.usage{feature.name=search, feature.outcome=success, user.plan=pro}: ledger 21, source 20 (-1)',
    )
    expect(report).toContain(
      'MISMATCH product.feature.usage{feature.name=search, feature.outcome=success, user.plan=free}: not in ledger, source has 7',
    )
    expect(report).toContain(
      'MISMATCH product.plan.change{plan.from=pro, plan.to=free}: ledger 1, missing from source',
    )
    expect(report.split('\n').at(-1)).toBe('checked 6 series, 3 mismatches')
  })
})
