/**
 * The validation study's tables: per arm, how often each planted effect came out significant and
 * first (with a 95% Wilson interval, since a rate from a few dozen seeds is itself uncertain), how
 * often anything was called significant with nothing planted, and the power rows with the tenants
 * needed to find each effect in POWER_TARGET of seeds.
 */
import { wilsonInterval } from '@feature-analytics/insights'
import type { PlantedBillingEffect } from '../planted-report.ts'
import { describeEffect, type SeedOutcome } from './study.ts'

export const ARMS = ['default', 'nothing', 'elsewhere', 'power'] as const
export type ArmName = (typeof ARMS)[number]

/** The detection rate a tenant count must reach to count as enough for an effect. */
export const POWER_TARGET = 0.8

export interface ArmRun {
  arm: ArmName
  label: string
  tenants: number
  effects: PlantedBillingEffect[]
  outcomes: SeedOutcome[]
}

/** k of n with its 95% Wilson interval: a rate from a few dozen seeds is itself uncertain. */
export function share(k: number, n: number): string {
  if (n === 0) return '-'
  const { low, high } = wilsonInterval(k, n)
  const pct = (x: number) => Math.round(100 * x)
  return `${k}/${n} (${pct(k / n)}%, CI ${pct(low)}-${pct(high)}%)`
}

export function renderTables(runs: readonly ArmRun[]): string {
  const lines = [
    '| arm | tenants | seeds | planted effect | significant | significant and first | seeds calling anything significant |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: |',
  ]
  // "Anything significant" is the false-positive count, so only arms with nothing planted show it.
  for (const { label, tenants, effects, outcomes } of runs.filter((r) => r.arm !== 'power')) {
    const n = outcomes.length
    if (effects.length === 0) {
      const anything = share(outcomes.filter((o) => o.anySignificant).length, n)
      lines.push(`| ${label} | ${tenants} | ${n} | none | - | - | ${anything} |`)
    }
    for (const [i, effect] of effects.entries()) {
      const sig = outcomes.filter((o) => o.planted[i]?.significant).length
      const first = outcomes.filter((o) => o.planted[i]?.first).length
      lines.push(
        `| ${label} | ${tenants} | ${n} | ${describeEffect(effect)} | ${share(sig, n)} | ${share(first, n)} | |`,
      )
    }
  }
  // A power-only run has no rows for the first table: leave its header out.
  if (!runs.some((r) => r.arm !== 'power')) lines.length = 0
  const power = runs.filter((r) => r.arm === 'power')
  if (power.length === 0) return lines.join('\n')
  lines.push(
    ...(lines.length > 0 ? [''] : []),
    '| power: planted effect | tenants | seeds | significant | significant and first |',
    '| --- | ---: | ---: | ---: | ---: |',
  )
  // Per effect (the factor varies), the smallest tenant count detected in POWER_TARGET of seeds.
  const needed = new Map<string, { sizes: number[]; enough?: number }>()
  for (const { tenants, effects, outcomes } of power) {
    const effect = effects[0]
    if (!effect) continue
    const n = outcomes.length
    const sig = outcomes.filter((o) => o.planted[0]?.significant).length
    const first = outcomes.filter((o) => o.planted[0]?.first).length
    lines.push(`| ${describeEffect(effect)} | ${tenants} | ${n} | ${share(sig, n)} | ${share(first, n)} |`)
    const key = describeEffect(effect)
    const entry = needed.get(key) ?? { sizes: [] }
    needed.set(key, entry)
    if (n > 0) entry.sizes.push(tenants)
    if (n > 0 && sig / n >= POWER_TARGET && entry.enough === undefined) entry.enough = tenants
  }
  lines.push('')
  for (const [effect, { sizes, enough }] of needed) {
    const tried = sizes.length === 0 ? 'no seed ran' : `none of ${sizes.join(', ')} tenants reached it`
    lines.push(
      `Tenants needed to find "${effect}" significant in ${POWER_TARGET * 100}% of seeds: ${enough ?? tried}`,
    )
  }
  return lines.join('\n')
}
