/**
 * Embedded mode end to end: metrics recorded through the real OpenTelemetry SDK, served by the real
 * Prometheus exporter over HTTP, read back through the catalog and the ledger check.
 */
import { METRICS } from '@feature-analytics/schema'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkPassed,
  collectInsights,
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
  it('summarizes usage, funnel, upgrade drivers with their baseline, retention and p95', async () => {
    const insights = await collectInsights(await metricsEndpointSource(page.url))
    expect(insights.usage).toEqual([
      { feature: 'search', plan: 'pro', calls: 20 },
      { feature: 'search', plan: 'free', calls: 7 },
      { feature: 'integration_connect', plan: 'pro', calls: 4 },
    ])
    expect(insights.errors).toEqual([{ feature: 'search', plan: 'free', calls: 2 }])
    expect(insights.funnel).toEqual([
      { feature: 'search', stages: { discovered: 5, activated: 3, adopted: 0, power_user: 0 } },
    ])
    expect(insights.upgrades.proToEnterprise).toBe(2)
    // Every upgrader used both; 3 of 4 pro tenants used integrations, 4 of 4 used search.
    expect(insights.upgrades.drivers).toEqual([
      { feature: 'integration_connect', share: 1, baseline: 0.75, lift: 1 / 0.75 },
      { feature: 'search', share: 1, baseline: 1, lift: 1 },
    ])
    expect(insights.retention).toEqual([
      { feature: 'alert_create', retained: 9, churned: 1, rate: 0.9 },
      { feature: 'search', retained: 6, churned: 4, rate: 0.6 },
    ])
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
    const text = formatInsights(insights)
    expect(text).toContain('Usage by feature and plan')
    expect(text).toMatch(/integration_connect\s+100%\s+75%\s+1\.33x/)
    expect(text).toMatch(/search\s+pro\s+19\s+7\.5 ms\s+9\.8 ms\s+9\.9 ms\s+-/)
    expect(text).toContain('this source has no exemplars')
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
