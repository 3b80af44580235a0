/**
 * Puts each planted effect next to what the analysis says about it: where the planted feature
 * ranks among the upgrade or retention drivers, its ratio against same-plan non-users, the
 * interval and whether it is significant after the Benjamini-Hochberg adjustment; for a planted
 * latency spike, the feature's p95 and its rank among feature x plan by p95 latency.
 */
import { ALL_PLANS, type DriverRow, type Insights } from '@feature-analytics/insights'
import type { PlantedEffect } from './scenario.ts'

/** A planted effect on billing decisions (what the driver tables measure). */
export type PlantedBillingEffect = Extract<PlantedEffect, { effect: 'upgrade_boost' | 'churn_factor' }>

const pct = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x * 100)}%`)

/** The first row of a table that describes a planted effect (its feature, on its plan or pooled). */
export function plantedRank(
  effect: PlantedBillingEffect,
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
  return planted.map((effect) =>
    effect.effect === 'latency_spike' ? latencyLine(effect, insights) : billingLine(effect, insights),
  )
}

function billingLine(effect: PlantedBillingEffect, insights: Insights): string {
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
}

function latencyLine(
  effect: Extract<PlantedEffect, { effect: 'latency_spike' }>,
  insights: Insights,
): string {
  const planted = `planted: ${pct(effect.share)} of ${effect.feature} calls on ${effect.plan} do ${effect.factor}x the work`
  const rank = insights.latency.findIndex((r) => r.feature === effect.feature && r.plan === effect.plan)
  const row = insights.latency[rank]
  if (!row?.p95Ms)
    return `${planted}\n    found: not enough latency measured for ${effect.feature} on ${effect.plan} yet`
  const slowest = row.slowest[0]
    ? `; slowest call ${row.slowest[0].durationMs.toFixed(1)} ms, trace ${row.slowest[0].traceId}`
    : ''
  return `${planted}\n    found: p95 ${row.p95Ms.toFixed(1)} ms over ${row.calls} calls, #${rank + 1} of ${insights.latency.length} feature x plan by p95 latency${slowest}`
}
