/**
 * One tenant's expectations: the server-side bookkeeping of docs/interfaces.md replayed from the
 * answers the tenant got, written to the ledger. Adoption stages fire when a user's count of
 * successful calls to a feature reaches a threshold; the features the tenant used since its
 * previous billing decision, with their counts, go with the next decision (the decision counters,
 * prior usage on a plan change, retention outcomes at renewal or cancellation) and then start afresh.
 */
import {
  ADOPTION_STAGES,
  ATTR,
  type BillingDecision,
  DEFAULT_ADOPTION_THRESHOLDS,
  METRICS,
  PLANS,
  type Plan,
  type RetentionOutcome,
  usageBand,
} from '@feature-analytics/schema'
import type { LedgerBuilder } from './ledger.ts'

export class TenantBook {
  /** Successful calls per feature since the previous billing decision: the store's tenantFeatures. */
  readonly used = new Map<string, number>()
  readonly #counts = new Map<string, number>()
  readonly #ledger: LedgerBuilder
  readonly #serial: number

  constructor(ledger: LedgerBuilder) {
    this.#ledger = ledger
    this.#serial = ledger.tenantSerial()
  }

  success(user: number, feature: string, plan: Plan): void {
    this.#ledger.add(METRICS.usage, usage(feature, plan, 'success'))
    const key = `${user}\u0000${feature}`
    const count = (this.#counts.get(key) ?? 0) + 1
    this.#counts.set(key, count)
    for (const stage of ADOPTION_STAGES) {
      if (DEFAULT_ADOPTION_THRESHOLDS[stage] === count) {
        this.#ledger.add(METRICS.adoptionStage, {
          [ATTR.featureName]: feature,
          [ATTR.adoptionStage]: stage,
          [ATTR.userPlan]: plan,
        })
      }
    }
    this.used.set(feature, (this.used.get(feature) ?? 0) + 1)
  }

  /** A successful call sent with a planted latency spike's work factor. */
  spiked(feature: string, plan: Plan): void {
    this.#ledger.spiked(feature, plan)
  }

  /** A validation error is usage with outcome=error and nothing else. */
  error(feature: string, plan: Plan): void {
    this.#ledger.add(METRICS.usage, usage(feature, plan, 'error'))
  }

  planChanged(from: Plan, to: Plan): void {
    this.#ledger.add(METRICS.planChange, { [ATTR.planFrom]: from, [ATTR.planTo]: to })
    for (const feature of this.used.keys()) {
      this.#ledger.add(METRICS.upgradePriorUsage, {
        [ATTR.featureName]: feature,
        [ATTR.planFrom]: from,
        [ATTR.planTo]: to,
      })
    }
    this.#decision(from, PLANS.indexOf(to) > PLANS.indexOf(from) ? 'upgrade' : 'downgrade')
  }

  retention(plan: Plan, outcome: RetentionOutcome): void {
    for (const feature of this.used.keys()) {
      this.#ledger.add(METRICS.retentionOutcome, {
        [ATTR.featureName]: feature,
        [ATTR.userPlan]: plan,
        [ATTR.retentionOutcome]: outcome,
      })
    }
    this.#decision(plan, outcome === 'retained' ? 'renewal' : 'cancellation')
  }

  #decision(plan: Plan, decision: BillingDecision): void {
    this.#ledger.add(METRICS.billingDecision, { [ATTR.userPlan]: plan, [ATTR.billingDecision]: decision })
    for (const [feature, calls] of this.used) {
      this.#ledger.add(METRICS.decisionFeatureUse, {
        [ATTR.featureName]: feature,
        [ATTR.userPlan]: plan,
        [ATTR.billingDecision]: decision,
        [ATTR.usageBand]: usageBand(calls),
      })
    }
    this.used.clear()
  }

  clicks(feature: string, element: string, plan: Plan, n: number): void {
    this.#ledger.add(
      METRICS.click,
      { [ATTR.featureName]: feature, [ATTR.uiElement]: element, [ATTR.userPlan]: plan },
      n,
    )
  }

  /** Visits of a feature's page the server merged: they also make the user active on it. */
  visits(user: number, feature: string, plan: Plan, n: number): void {
    this.#ledger.add(METRICS.timeSpent, { [ATTR.featureName]: feature, [ATTR.userPlan]: plan }, n)
    if (n > 0) this.#ledger.active(this.#serial, user, feature, plan)
  }
}

const usage = (feature: string, plan: Plan, outcome: 'success' | 'error') => ({
  [ATTR.featureName]: feature,
  [ATTR.outcome]: outcome,
  [ATTR.userPlan]: plan,
})
