/**
 * PromQL's histogram_quantile over classic buckets, ported from Prometheus's BucketQuantile
 * (promql/quantile.go) so embedded mode and Prometheus report the same p95: linear interpolation
 * inside the bucket that holds the rank, the highest finite bound when the rank lands in +Inf.
 */
export interface Bucket {
  upperBound: number
  /** Cumulative count, as in `_bucket{le=...}`. */
  count: number
}

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN
  if (q < 0) return Number.NEGATIVE_INFINITY
  if (q > 1) return Number.POSITIVE_INFINITY
  const buckets = coalesce([...input].sort((a, b) => a.upperBound - b.upperBound))
  const last = buckets.at(-1)
  if (!last || last.upperBound !== Number.POSITIVE_INFINITY || buckets.length < 2) return Number.NaN
  // Counts scraped from different series can be slightly out of order; quantiles need them monotonic.
  let max = 0
  for (const bucket of buckets) {
    max = Math.max(max, bucket.count)
    bucket.count = max
  }
  const observations = last.count
  if (observations === 0) return Number.NaN
  let rank = q * observations
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank)
  if (b === -1) b = buckets.length - 1
  if (b === buckets.length - 1) return buckets[buckets.length - 2]?.upperBound ?? Number.NaN
  const bucket = buckets[b] as Bucket
  if (b === 0 && bucket.upperBound <= 0) return bucket.upperBound
  let start = 0
  let count = bucket.count
  const previous = buckets[b - 1]
  if (previous) {
    start = previous.upperBound
    count -= previous.count
    rank -= previous.count
  }
  return start + (bucket.upperBound - start) * (rank / count)
}

/** Buckets with the same bound (from series that differed only in dropped labels) add up. */
function coalesce(sorted: Bucket[]): Bucket[] {
  const out: Bucket[] = []
  for (const { upperBound, count } of sorted) {
    const last = out.at(-1)
    if (last && last.upperBound === upperBound) last.count += count
    else out.push({ upperBound, count })
  }
  return out
}
