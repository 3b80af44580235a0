import type { AdoptionStage, DropReason, Outcome, Plan, RetentionOutcome } from '@feature-analytics/schema'

/** One value of product.feature.users: the estimated distinct users of a feature on a plan. */
export interface UsersPoint {
  readonly feature: string
  readonly plan: Plan
  readonly users: number
}

export type UsersSource = () => Iterable<UsersPoint>

/**
 * Where the tracker's validated measurements go. Arguments are already checked and folded (a tenant
 * beyond the budget arrives as `_other`), so an implementation only aggregates. The default writes
 * OpenTelemetry API instruments; tracker-node's FeatureAggregator is the fast path.
 */
export interface FeatureRecorder {
  usage(feature: string, category: string, plan: Plan, tenant: string, outcome: Outcome): void
  latency(feature: string, category: string, plan: Plan, ms: number): void
  activeUsers(feature: string, plan: Plan, delta: 1 | -1): void
  adoptionStage(feature: string, plan: Plan, stage: AdoptionStage): void
  planChange(from: Plan, to: Plan): void
  priorUsage(feature: string, from: Plan, to: Plan): void
  retention(feature: string, plan: Plan, outcome: RetentionOutcome): void
  dropped(reason: DropReason): void
  /** Registers the source read at each collection for product.feature.users. */
  observeUsers(source: UsersSource): void
}
