/**
 * The validation study: play the simulator over many seeds against the real API (in this process,
 * on the in-memory store), read its metrics with the report's analysis, and count how often the
 * planted effects come out significant and ranked first, how often anything is called
 * significant when nothing is planted, and how many tenants a 2x or 1.5x effect needs.
 */
import { collectInsights, compareLedger, expositionSource, type Insights } from '@feature-analytics/insights'
import { type PlantedBillingEffect, plantedRank } from '../planted-report.ts'
import type { LoadedScenario, PlantedEffect } from '../scenario.ts'
import { simulate } from '../simulate.ts'
import { startEmbeddedApi } from './embedded-api.ts'

export interface SeedOutcome {
  seed: number
  tenants: number
  /** Per planted effect: significant after BH, and ranked first in its table. */
  planted: { effect: PlantedBillingEffect; significant: boolean; first: boolean }[]
  /** Any row of either table significant. */
  anySignificant: boolean
  /** Ledger entries that differ from the metrics (must be 0: the counts are exact). */
  mismatches: number
  /** Requests the simulated tenants made. */
  requests: number
}

/** One seed of a scenario, end to end through the real API, tracker, exporter and analysis. */
export async function runSeed(scenario: LoadedScenario, seed: number): Promise<SeedOutcome> {
  const api = await startEmbeddedApi()
  try {
    const result = await simulate({
      targets: [api.url],
      scenario,
      seed,
      durationSeconds: 3600,
      rate: 0,
      concurrency: 8,
    })
    if (!result.complete) throw new Error(`seed ${seed}: the simulation did not complete`)
    const source = expositionSource(await api.metricsText(), 'the embedded API')
    const insights = await collectInsights(source)
    const check = await compareLedger(result.ledger, source)
    return {
      seed,
      tenants: scenario.scenario.tenants,
      // The study is about billing decisions: a planted latency spike is not in the driver tables.
      planted: scenario.scenario.planted
        .filter((effect): effect is PlantedBillingEffect => effect.effect !== 'latency_spike')
        .map((effect) => judge(effect, insights)),
      anySignificant: [...insights.upgradeDrivers, ...insights.retentionDrivers].some((r) => r.significant),
      mismatches: check.mismatches.length,
      requests: result.stats.requests,
    }
  } finally {
    await api.close()
  }
}

function judge(effect: PlantedBillingEffect, insights: Insights): SeedOutcome['planted'][number] {
  const found = plantedRank(effect, insights)
  const significant = found?.row.significant ?? false
  return { effect, significant, first: significant && found?.rank === 1 }
}

/** The same scenario with other plants, another tenant count, or both. */
export function variant(
  base: LoadedScenario,
  changes: { planted?: PlantedEffect[]; tenants?: number; name?: string },
): LoadedScenario {
  const scenario = {
    ...base.scenario,
    ...(changes.planted ? { planted: changes.planted } : {}),
    ...(changes.tenants ? { tenants: changes.tenants } : {}),
    ...(changes.name ? { name: changes.name } : {}),
  }
  return { scenario, sha256: `${base.sha256}+${JSON.stringify(changes)}` }
}

export const describeEffect = (e: PlantedBillingEffect): string =>
  e.effect === 'upgrade_boost'
    ? `upgrade ${e.from}->${e.to} x${e.factor} for ${e.feature}`
    : `churn x${e.factor} for ${e.feature}${e.plan ? ` on ${e.plan}` : ''}`
