import type { AttributesOf, ObservedInstrument, RecordedInstrument } from '@feature-analytics/schema'

/** One observation of a gauge of the table, its attributes typed by the table's row. */
export interface Observation<G extends ObservedInstrument> {
  readonly attributes: AttributesOf<G>
  readonly value: number
}

/** Read at each collection; must answer synchronously and quickly (it runs inside collect()). */
export type ObservedSource<G extends ObservedInstrument> = () => Iterable<Observation<G>>

/**
 * Where the tracker's validated measurements go. Arguments are already checked and folded (a tenant
 * beyond the budget arrives as `_other`), so an implementation only aggregates. The default writes
 * OpenTelemetry API instruments; tracker-node's FeatureAggregator is the fast path. Both take every
 * instrument of the schema's table, so a new metric needs no new method here.
 */
export interface FeatureRecorder {
  /** Adds `value` to a counter or up-down counter, or records it in a histogram. */
  record<I extends RecordedInstrument>(instrument: I, attributes: AttributesOf<I>, value: number): void
  /** Registers a source read at each collection for one of the table's observable gauges. */
  observe<G extends ObservedInstrument>(instrument: G, source: ObservedSource<G>): void
}

// A Record over the interface's keys: the type checker fails when a method is added and not listed.
const METHODS: Readonly<Record<keyof FeatureRecorder, true>> = { record: true, observe: true }

/** What a recorder must implement, checked when the tracker is created. */
export const RECORDER_METHODS = Object.keys(METHODS) as readonly (keyof FeatureRecorder)[]
