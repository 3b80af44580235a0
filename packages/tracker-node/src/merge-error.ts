import type { DropReason } from '@feature-analytics/schema'

/**
 * An already-aggregated point FeatureAggregator will not merge. Nothing was merged or counted:
 * the caller (the API's browser ingest) counts it with `aggregator.dropped(error.reason)` and
 * reports it back to the client.
 */
export class MergeError extends Error {
  override name = 'MergeError'
  readonly reason: DropReason

  constructor(reason: DropReason, message: string) {
    super(message)
    this.reason = reason
  }
}

/** A histogram point whose bucket boundaries are not the schema's: its buckets cannot be added exactly. */
export class BoundariesMismatchError extends MergeError {
  override name = 'BoundariesMismatchError'

  constructor(message: string) {
    super('invalid_point', message)
  }
}
