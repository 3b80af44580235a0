import { describe, expect, it } from 'vitest'
import { CATALOG, parseDuration, toPromQL, WindowError, windowFrom } from '../src/index.ts'

describe('report windows', () => {
  it('parses Prometheus-style durations and refuses anything else', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400)
    expect(parseDuration('1d12h')).toBe(36 * 3600)
    expect(parseDuration('90s')).toBe(90)
    for (const bad of ['', '30', 'd30', '30 d', '-5m', '0s']) {
      expect(() => parseDuration(bad), bad).toThrow(WindowError)
    }
  })

  it('takes --window, or --since with an optional --until, never both', () => {
    expect(windowFrom({})).toBeUndefined()
    expect(windowFrom({ window: '7d' })).toEqual({ seconds: 604_800 })
    expect(windowFrom({ window: '1h', until: '2026-12-01T10:00:00Z' })).toEqual({
      seconds: 3600,
      end: Date.parse('2026-12-01T10:00:00Z') / 1000,
    })
    expect(windowFrom({ since: '1000' }, 1600)).toEqual({ seconds: 600 })
    expect(windowFrom({ since: '2026-12-01T00:00:00Z', until: '2026-12-02T00:00:00Z' })).toEqual({
      seconds: 86_400,
      end: Date.parse('2026-12-02T00:00:00Z') / 1000,
    })
    expect(() => windowFrom({ window: '1d', since: '0' })).toThrow(/not both/)
    expect(() => windowFrom({ until: '0' })).toThrow(/needs --since/)
    expect(() => windowFrom({ since: '2000', until: '1000' })).toThrow(/before/)
    expect(() => windowFrom({ since: 'yesterday' })).toThrow(/RFC 3339/)
  })

  it('reads counters and histogram buckets as increase() over the window, gauges as they are', () => {
    expect(toPromQL(CATALOG.billingDecisions.expr, 3600)).toBe(
      'sum by (user_plan, billing_decision) (increase(product_billing_decision_total[3600s] anchored))',
    )
    expect(toPromQL(CATALOG.latencyP95.expr, 60)).toBe(
      'histogram_quantile(0.95, sum by (feature_name, le) (increase(product_feature_latency_milliseconds_bucket[60s] anchored)))',
    )
    expect(toPromQL({ kind: 'sum', by: [], of: { metric: 'activeUsers' } }, 60)).toBe(
      'sum(product_feature_active_users)',
    )
  })
})
