import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { decide, parseScenario, periodRates } from '../src/index.ts'

const scenario = parseScenario(
  JSON.parse(await readFile(new URL('../scenarios/default.json', import.meta.url), 'utf8')),
)

describe('period-end billing with planted effects', () => {
  it('boosts pro -> enterprise upgrades of tenants that used integration_connect on pro', () => {
    const base = periodRates(scenario, 'pro', new Set(['search']))
    const boosted = periodRates(scenario, 'pro', new Set(['search', 'integration_connect']))
    expect(base).toEqual({ upgrade: 0.08, downgrade: 0.02, cancel: 0.2 })
    expect(boosted.upgrade).toBeCloseTo(0.24)
    // The boost is about leaving pro: on free the same feature changes nothing.
    expect(periodRates(scenario, 'free', new Set(['integration_connect']))).toEqual({
      upgrade: 0.1,
      downgrade: 0,
      cancel: 0.15,
    })
  })

  it('cuts churn of tenants that used alert_create, on any plan', () => {
    expect(periodRates(scenario, 'enterprise', new Set(['alert_create'])).cancel).toBeCloseTo(0.03)
    expect(periodRates(scenario, 'pro', new Set(['alert_create'])).cancel).toBeCloseTo(0.04)
  })

  it('never upgrades past enterprise or downgrades below free, and keeps rates a distribution', () => {
    const heavy = {
      ...scenario,
      planted: [
        {
          effect: 'upgrade_boost' as const,
          feature: 'search' as const,
          from: 'pro' as const,
          to: 'enterprise' as const,
          factor: 100,
        },
      ],
    }
    const rates = periodRates(heavy, 'pro', new Set(['search']))
    expect(rates.upgrade + rates.downgrade + rates.cancel).toBeCloseTo(1)
    expect(rates.upgrade / rates.cancel).toBeCloseTo((0.08 * 100) / 0.2)
    expect(periodRates(scenario, 'enterprise', new Set()).upgrade).toBe(0)
    expect(periodRates(scenario, 'free', new Set()).downgrade).toBe(0)
  })

  it('maps one uniform draw to a decision', () => {
    const rates = { upgrade: 0.1, downgrade: 0.2, cancel: 0.3 }
    expect(decide('pro', rates, 0.05)).toEqual({ kind: 'upgrade', to: 'enterprise' })
    expect(decide('pro', rates, 0.15)).toEqual({ kind: 'downgrade', to: 'free' })
    expect(decide('pro', rates, 0.45)).toEqual({ kind: 'cancel' })
    expect(decide('pro', rates, 0.61)).toEqual({ kind: 'renew' })
  })
})
