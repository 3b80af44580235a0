import type { AttributesOf, Plan, RecordedInstrument } from '@feature-analytics/schema'

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
 * OpenTelemetry API instruments; tracker-node's FeatureAggregator is the fast path. Both take every
 * instrument of the schema's table, so a new metric needs no new method here.
 */
export interface FeatureRecorder {
  /** Adds `value` to a counter or up-down counter, or records it in a histogram. */
  record<I extends RecordedInstrument>(instrument: I, attributes: AttributesOf<I>, value: number): void
  /** Registers the source read at each collection for product.feature.users. */
  observeUsers(source: UsersSource): void
}

// A Record over the interface's keys: the type checker fails when a method is added and not listed.
const METHODS: Readonly<Record<keyof FeatureRecorder, true>> = { record: true, observeUsers: true }

/** What a recorder must implement, checked when the tracker is created. */
export const RECORDER_METHODS = Object.keys(METHODS) as readonly (keyof FeatureRecorder)[]
