/**
 * Puts each planted effect next to what the metrics say about it, so a reader can see whether the
 * analytics found the ground truth: the upgrade driver's lift over pro tenants at large, the
 * retention of a feature's users against the other features'.
 */
import type { Insights } from '@feature-analytics/insights'
import type { PlantedEffect } from './scenario.ts'

const pct = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x * 100)}%`)
const pct1 = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`)

export function plantedReport(planted: readonly PlantedEffect[], insights: Insights): string[] {
  return planted.map((effect) => {
    switch (effect.effect) {
      case 'upgrade_boost':
        return upgradeLine(effect, insights)
      case 'churn_factor':
        return churnLine(effect, insights)
      default:
        return latencyLine(effect, insights)
    }
  })
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

function upgradeLine(
  effect: Extract<PlantedEffect, { effect: 'upgrade_boost' }>,
  insights: Insights,
): string {
  const planted = `planted: tenants using ${effect.feature} upgrade ${effect.from} -> ${effect.to} at ${effect.factor}x the base rate`
  if (effect.from !== 'pro' || effect.to !== 'enterprise')
    return `${planted}\n    found: (the catalog covers pro -> enterprise only)`
  const { drivers, proToEnterprise } = insights.upgrades
  const rank = drivers.findIndex((d) => d.feature === effect.feature)
  const row = drivers[rank]
  if (!row) return `${planted}\n    found: no upgrading tenant used it (${proToEnterprise} upgrades in all)`
  const lift = row.lift === undefined ? '' : `, lift ${row.lift.toFixed(2)}x`
  return (
    `${planted}\n    found: used by ${pct(row.share)} of the ${proToEnterprise} upgrading tenants vs ${pct(row.baseline)} ` +
    `of all pro tenants${lift}: #${rank + 1} of ${drivers.length} features by lift`
  )
}

function churnLine(effect: Extract<PlantedEffect, { effect: 'churn_factor' }>, insights: Insights): string {
  const scope = effect.plan ? ` on ${effect.plan}` : ''
  const planted = `planted: tenants using ${effect.feature}${scope} cancel at ${effect.factor}x the base rate`
  const row = insights.retention.find((r) => r.feature === effect.feature)
  if (!row) return `${planted}\n    found: no renewal or cancellation of a tenant using it yet`
  const others = insights.retention.filter((r) => r.feature !== effect.feature)
  const retained = others.reduce((sum, r) => sum + r.retained, 0)
  const churned = others.reduce((sum, r) => sum + r.churned, 0)
  const cancelRate = row.churned / (row.retained + row.churned)
  const otherRate = retained + churned > 0 ? churned / (retained + churned) : undefined
  const ratio = otherRate ? `: ${(cancelRate / otherRate).toFixed(2)}x` : ''
  return (
    `${planted}\n    found: ${pct1(cancelRate)} of its users' renewal decisions were cancellations ` +
    `(${row.churned} of ${row.retained + row.churned}) vs ${pct1(otherRate)} for the other features${ratio}`
  )
}
