/**
 * Latency quantiles from the catalog's own histogram expression (`latencyP95`, at other q), so the
 * console's p95 is the report's p95. Over time, each point is the quantile of the calls made in the
 * rate window that ends there: the difference of two cumulative snapshots, as PromQL's
 * `increase()` takes it (a counter that went down was reset, and counts from zero).
 */

import { type Bucket, CATALOG, type Expr, histogramQuantile, type Series } from '@feature-analytics/insights'
import { ATTR, promLabel } from '@feature-analytics/schema'
import { type LatencyPoint, type LatencySeries, type LatencySummaryRow, QUANTILES } from '../panels.ts'

const FEATURE = promLabel(ATTR.featureName)
const LE = 'le'

const latencyExpr = CATALOG.latencyP95.expr
if (latencyExpr.kind !== 'histogramQuantile')
  throw new Error('catalog: latencyP95 is not a histogram quantile')

/** `sum by (feature_name, le) (latency_bucket)`: what each snapshot keeps. */
export const LATENCY_BUCKETS: Expr = latencyExpr.of

/** The catalog's latency expression at quantile q. */
export const latencyQuantileExpr = (q: number): Expr => ({ ...latencyExpr, q })

export interface BucketSnapshot {
  /** Milliseconds since the epoch. */
  t: number
  buckets: readonly Series[]
}

const key = (s: Series) => `${s.labels[FEATURE] ?? ''}\u0000${s.labels[LE] ?? ''}`

/** Quantiles per feature of cumulative bucket series, as `histogram_quantile` over them. */
export function quantilesByFeature(buckets: readonly Series[]): LatencySummaryRow[] {
  const byFeature = new Map<string, Bucket[]>()
  for (const s of buckets) {
    const feature = s.labels[FEATURE]
    const le = s.labels[LE]
    if (feature === undefined || le === undefined) continue
    const list = byFeature.get(feature) ?? []
    list.push({ upperBound: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: s.value })
    byFeature.set(feature, list)
  }
  const rows: LatencySummaryRow[] = []
  for (const [feature, list] of byFeature) {
    const [p50, p95, p99] = QUANTILES.map(([, q]) => histogramQuantile(q, list))
    if ([p50, p95, p99].every((v) => v !== undefined && Number.isFinite(v))) {
      rows.push({ feature, p50: p50 as number, p95: p95 as number, p99: p99 as number })
    }
  }
  return rows.sort((a, b) => b.p95 - a.p95 || a.feature.localeCompare(b.feature))
}

/** The calls between two snapshots, bucket by bucket. */
export function increase(from: readonly Series[], to: readonly Series[]): Series[] {
  const before = new Map(from.map((s) => [key(s), s.value]))
  return to.map((s) => {
    const previous = before.get(key(s)) ?? 0
    return { labels: s.labels, value: s.value >= previous ? s.value - previous : s.value }
  })
}

/**
 * One point per snapshot after the first: quantiles over the calls in the `windowMs` before it
 * (or since the oldest snapshot kept, while the history is shorter than the window).
 */
export function latencyOverTime(snapshots: readonly BucketSnapshot[], windowMs: number): LatencySeries[] {
  const series = new Map<string, LatencyPoint[]>()
  let from = 0
  for (let i = 1; i < snapshots.length; i++) {
    const now = snapshots[i] as BucketSnapshot
    while (from < i - 1 && (snapshots[from] as BucketSnapshot).t < now.t - windowMs) from++
    const rows = quantilesByFeature(increase((snapshots[from] as BucketSnapshot).buckets, now.buckets))
    const byFeature = new Map(rows.map((row) => [row.feature, row]))
    const features = new Set([...series.keys(), ...byFeature.keys()])
    for (const feature of features) {
      const row = byFeature.get(feature)
      const points = series.get(feature) ?? []
      points.push({ t: now.t, p50: row?.p50 ?? null, p95: row?.p95 ?? null, p99: row?.p99 ?? null })
      series.set(feature, points)
    }
  }
  return [...series.entries()]
    .map(([feature, points]) => ({ feature, points }))
    .sort((a, b) => a.feature.localeCompare(b.feature))
}
