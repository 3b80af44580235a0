/**
 * Puts each planted effect next to what the analysis says about it: where the planted feature
 * ranks among the upgrade or retention drivers, its ratio against same-plan non-users, the
 * interval and whether it is significant after the Benjamini-Hochberg adjustment.
 */
import { ALL_PLANS, type DriverRow, type Insights } from '@feature-analytics/insights'
import type { PlantedEffect } from './scenario.ts'

/** The first row of a table that describes a planted effect (its feature, on its plan or pooled). */
export function plantedRank(
  effect: PlantedEffect,
  insights: Insights,
): { rank: number; row: DriverRow } | undefined {
  const rows = effect.effect === 'upgrade_boost' ? insights.upgradeDrivers : insights.retentionDrivers
  const plan = effect.effect === 'upgrade_boost' ? effect.from : effect.plan
  const rank = rows.findIndex(
    (r) => r.feature === effect.feature && (plan === undefined || r.plan === plan || r.plan === ALL_PLANS),
  )
  const row = rows[rank]
  return row ? { rank: rank + 1, row } : undefined
}

export function plantedReport(planted: readonly PlantedEffect[], insights: Insights): string[] {
  return planted.map((effect) => {
    const what =
      effect.effect === 'upgrade_boost'
        ? `tenants using ${effect.feature} upgrade ${effect.from} -> ${effect.to} at ${effect.factor}x the base rate`
        : `tenants using ${effect.feature}${effect.plan ? ` on ${effect.plan}` : ''} cancel at ${effect.factor}x the base rate`
    const table = effect.effect === 'upgrade_boost' ? 'upgrade drivers' : 'retention drivers'
    const found = plantedRank(effect, insights)
    if (!found) return `planted: ${what}\n    found: no billing decision of a tenant using it yet`
    const { rank, row } = found
    const estimate =
      row.ratio === null
        ? 'not enough data'
        : `ratio ${row.ratio.toFixed(2)} (95% CI ${row.ciLow?.toFixed(2)}-${row.ciHigh?.toFixed(2)}), q = ${row.qValue?.toPrecision(2)}, ${row.significant ? 'significant' : 'not significant'}`
    return `planted: ${what}\n    found: #${rank} of ${table} (${row.plan}): ${estimate}`
  })
}
