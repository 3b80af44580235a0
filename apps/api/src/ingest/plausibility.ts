/**
 * What a browser point must be to be believed, beyond its shape: a histogram whose sum, min and max
 * fit its buckets, a timestamp near now, and counts a person could produce. One point from a
 * hostile page must not be able to move a series every tenant shares (a sum of 1e308 turns
 * product_feature_time_spent_sum into +Inf for good), so these are checked before anything merges.
 */
import type { DropReason } from '@feature-analytics/schema'

/** Longest visit believed: a tab left open for a day. Bounds the overflow bucket (> 1 h). */
export const MAX_VISIT_MS = 24 * 3600 * 1000
/** A point's time may be this far ahead of the server's clock (clock skew). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
/** ...and this old: the tracker exports every few seconds and on pagehide, so an hour is generous. */
export const MAX_POINT_AGE_MS = 3600 * 1000

export class Implausible extends Error {
  readonly reason: DropReason
  constructor(reason: DropReason, message: string) {
    super(message)
    this.reason = reason
  }
}

const NANOS_PER_MS = 1_000_000n

/** `timeUnixNano` (and `startTimeUnixNano` when given) as a uint64 decimal, near the server's now. */
export function checkTimestamps(start: string | undefined, time: string | undefined, nowMs: number): void {
  if (time === undefined) throw new Implausible('invalid_timestamp', 'timeUnixNano is required')
  const timeMs = Number(BigInt(time) / NANOS_PER_MS)
  if (timeMs > nowMs + MAX_CLOCK_SKEW_MS)
    throw new Implausible('invalid_timestamp', 'timeUnixNano is in the future')
  if (timeMs < nowMs - MAX_POINT_AGE_MS) throw new Implausible('invalid_timestamp', 'timeUnixNano is too old')
  if (start !== undefined && BigInt(start) > BigInt(time)) {
    throw new Implausible('invalid_timestamp', 'startTimeUnixNano is after timeUnixNano')
  }
}

export interface BucketedPoint {
  bucketCounts: readonly number[]
  explicitBounds: readonly number[]
  sum?: number | undefined
  min?: number | undefined
  max?: number | undefined
}

/**
 * Bucket i holds values in (bound[i-1], bound[i]], the last one (bound[n-1], MAX_VISIT_MS]; so the
 * sum lies between what the lowest and the highest value each bucket allows would give, and min
 * and max lie in the first and last non-empty buckets.
 */
export function checkBuckets(point: BucketedPoint): void {
  const { bucketCounts: counts, explicitBounds: bounds } = point
  const lower = (i: number) => (i === 0 ? 0 : (bounds[i - 1] as number))
  const upper = (i: number) => (i < bounds.length ? (bounds[i] as number) : MAX_VISIT_MS)
  let low = 0
  let high = 0
  let first = -1
  let last = -1
  counts.forEach((n, i) => {
    if (n === 0) return
    low += n * lower(i)
    high += n * upper(i)
    if (first === -1) first = i
    last = i
  })
  if (first === -1) return
  // Summing floating-point values in another order may move the last digits.
  const slack = 1e-9 * high
  const sum = point.sum
  if (sum !== undefined && (sum < low - slack || sum > high + slack)) {
    throw new Implausible(
      'inconsistent_point',
      `sum ${sum} is outside what the buckets allow [${low}, ${high}]`,
    )
  }
  if (point.min !== undefined && (point.min < lower(first) || point.min > upper(first))) {
    throw new Implausible('inconsistent_point', `min ${point.min} is not in its bucket`)
  }
  if (point.max !== undefined && (point.max < lower(last) || point.max > upper(last))) {
    throw new Implausible('inconsistent_point', `max ${point.max} is not in its bucket`)
  }
}
