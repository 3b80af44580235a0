/**
 * What a tenant does at the end of a period: upgrade, downgrade, cancel or renew, at the scenario's
 * base rates times the planted effects that apply to it. Effects key on the features the tenant
 * used since its previous billing decision, the same set the server reports with the decision.
 */
import { PLANS, type Plan } from '@feature-analytics/schema'
import type { Scenario } from './scenario.ts'

export type Decision = { kind: 'upgrade' | 'downgrade'; to: Plan } | { kind: 'renew' } | { kind: 'cancel' }

export interface Rates {
  upgrade: number
  downgrade: number
  cancel: number
}

export function periodRates(scenario: Scenario, plan: Plan, used: { has(feature: string): boolean }): Rates {
  const index = PLANS.indexOf(plan)
  const base = scenario.billing[plan]
  const rates = {
    upgrade: index < PLANS.length - 1 ? base.upgrade : 0,
    downgrade: index > 0 ? base.downgrade : 0,
    cancel: base.cancel,
  }
  for (const effect of scenario.planted) {
    if (!used.has(effect.feature)) continue
    if (effect.effect === 'upgrade_boost' && effect.from === plan) rates.upgrade *= effect.factor
    if (effect.effect === 'churn_factor' && (effect.plan === undefined || effect.plan === plan)) {
      rates.cancel *= effect.factor
    }
  }
  // A boost can push the sum past 1; scale down so the proportions between outcomes survive.
  const total = rates.upgrade + rates.downgrade + rates.cancel
  if (total > 1) {
    rates.upgrade /= total
    rates.downgrade /= total
    rates.cancel /= total
  }
  return rates
}

/** `u` is one uniform draw in [0, 1) from the tenant's generator. */
export function decide(plan: Plan, rates: Rates, u: number): Decision {
  const index = PLANS.indexOf(plan)
  if (u < rates.upgrade) return { kind: 'upgrade', to: PLANS[index + 1] as Plan }
  if (u < rates.upgrade + rates.downgrade) return { kind: 'downgrade', to: PLANS[index - 1] as Plan }
  if (u < rates.upgrade + rates.downgrade + rates.cancel) return { kind: 'cancel' }
  return { kind: 'renew' }
}
