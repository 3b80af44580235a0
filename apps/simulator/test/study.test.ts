/**
 * The validation study in small (the full table is in packages/insights/README.md, from
 * `npm run study`). End to end through the real in-process API: strong effects planted on
 * features and plans other than the defaults (an upgrade and a retention driver) must come out
 * significant and first (a harmful feature, also significant, after the protective one: flipping
 * the retention order fails this test), the same scenario with nothing planted must call nothing
 * significant, and every run's metrics must equal its ledger. Then the table: rates, false
 * positives and the tenants needed for an effect, from outcomes given here.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SCENARIO } from '../src/cli/paths.ts'
import type { PlantedBillingEffect } from '../src/planted-report.ts'
import { loadScenario } from '../src/scenario.ts'
import { runPool } from '../src/study/pool.ts'
import { runSeed, type SeedOutcome, variant } from '../src/study/study.ts'
import { type ArmRun, renderTables } from '../src/study/table.ts'

describe('the study, end to end', () => {
  it('finds strong planted drivers off the defaults first, and nothing when nothing is planted', async () => {
    const base = await loadScenario(DEFAULT_SCENARIO)
    const tenants = 80
    const planted: PlantedBillingEffect[] = [
      { effect: 'upgrade_boost', feature: 'report_export', from: 'free', to: 'pro', factor: 6 },
      { effect: 'churn_factor', feature: 'dashboard_share', factor: 0.05 },
      // A harmful feature too: the protective one must still come first (lowest churn ratio).
      { effect: 'churn_factor', feature: 'team_invite', plan: 'free', factor: 3 },
    ]
    const tasks = [
      { scenario: variant(base, { planted, tenants }), seed: 3 },
      { scenario: variant(base, { planted: [], tenants }), seed: 3 },
    ]
    const outcomes: SeedOutcome[] = []
    await runPool(
      tasks,
      2,
      () => true,
      (_task, outcome) => outcomes.push(outcome),
    )
    const [found, nothing] = [0, 1].map((i) =>
      outcomes.find((o) => o.planted.length === tasks[i]?.scenario.scenario.planted.length),
    )
    expect(found?.mismatches).toBe(0)
    expect(found?.planted, JSON.stringify(found)).toMatchObject([
      { significant: true, first: true },
      { significant: true, first: true },
      { significant: true, first: false },
    ])
    expect(nothing?.mismatches).toBe(0)
    expect(nothing?.anySignificant, JSON.stringify(nothing)).toBe(false)
  }, 900_000)

  it('runs a seed in this thread as in a worker', async () => {
    const base = await loadScenario(DEFAULT_SCENARIO)
    const outcome = await runSeed(variant(base, { planted: [], tenants: 5 }), 1)
    expect(outcome).toMatchObject({ seed: 1, tenants: 5, mismatches: 0, planted: [] })
    expect(outcome.requests).toBeGreaterThan(0)
  }, 300_000)
})

describe('the study table', () => {
  const upgrade = (factor: number): PlantedBillingEffect => ({
    effect: 'upgrade_boost',
    feature: 'report_export',
    from: 'free',
    to: 'pro',
    factor,
  })
  const seeds = (n: number, found: number, effect?: PlantedBillingEffect): SeedOutcome[] =>
    Array.from({ length: n }, (_, i) => ({
      seed: i + 1,
      tenants: 0,
      planted: effect ? [{ effect, significant: i < found, first: i < found }] : [],
      anySignificant: i < found,
      mismatches: 0,
      requests: 1,
    }))
  const power = (factor: number, tenants: number, found: number): ArmRun => ({
    arm: 'power',
    label: '',
    tenants,
    effects: [upgrade(factor)],
    outcomes: seeds(10, found, upgrade(factor)),
  })

  it('shows rates with their interval, false positives, and the tenants needed for 80%', () => {
    const text = renderTables([
      {
        arm: 'default',
        label: 'default',
        tenants: 200,
        effects: [upgrade(3)],
        outcomes: seeds(20, 19, upgrade(3)),
      },
      { arm: 'nothing', label: 'nothing planted', tenants: 200, effects: [], outcomes: seeds(20, 1) },
      power(2, 100, 3),
      power(2, 200, 8),
      power(2, 400, 10),
      power(1.5, 100, 1),
      power(1.5, 200, 7),
    ])
    expect(text).toContain(
      '| default | 200 | 20 | upgrade free->pro x3 for report_export | 19/20 (95%, CI 76-99%) | 19/20 (95%, CI 76-99%) | |',
    )
    expect(text).toContain('| nothing planted | 200 | 20 | none | - | - | 1/20 (5%, CI 1-24%) |')
    expect(text).toContain(
      'Tenants needed to find "upgrade free->pro x2 for report_export" significant in 80% of seeds: 200',
    )
    expect(text).toContain(
      'Tenants needed to find "upgrade free->pro x1.5 for report_export" significant in 80% of seeds: none of 100, 200 tenants reached it',
    )
  })

  it('leaves the arms table out of a power-only run', () => {
    expect(renderTables([power(2, 100, 9)]).split('\n')[0]).toBe(
      '| power: planted effect | tenants | seeds | significant | significant and first |',
    )
  })
})
