/**
 * Evaluates catalog expressions over samples parsed from a /metrics page, with PromQL's semantics
 * for the shapes in expr.ts: grouping drops every label not named, `> 0` filters, scalar() of
 * anything but one series is NaN.
 */
import { METRICS, PROMETHEUS_NAMES, promLabel } from '@feature-analytics/schema'
import type { Labels, Sample } from './exposition.ts'
import { type Expr, LE, type MetricKey, metricName, type Selector } from './expr.ts'
import { histogramQuantile } from './histogram-quantile.ts'

export interface Series {
  labels: Labels
  value: number
}

export function evaluate(expr: Expr, samples: readonly Sample[]): Series[] {
  switch (expr.kind) {
    case 'sum':
      return group(select(expr.of, samples), expr.by, (values) => values.reduce((a, b) => a + b, 0))
    case 'max':
      return group(select(expr.of, samples), expr.by, (values) => Math.max(...values))
    case 'countPositive':
      return group(
        evaluate(expr.of, samples).filter((s) => s.value > 0),
        expr.by,
        (values) => values.length,
      )
    case 'divideByScalar': {
      const right = evaluate(expr.right, samples)
      const divisor = right.length === 1 ? (right[0]?.value ?? Number.NaN) : Number.NaN
      return evaluate(expr.left, samples).map((s) => ({ labels: s.labels, value: s.value / divisor }))
    }
    case 'histogramQuantile':
      return quantiles(expr.q, evaluate(expr.of, samples))
  }
}

/**
 * The OpenTelemetry JS Prometheus exporter (an app's own /metrics) adds `_total` to counters but no
 * unit suffix, while Prometheus's OTLP receiver adds both (the schema's PROMETHEUS_NAMES). Accept
 * either spelling, preferring the schema's.
 */
export function nameCandidates(selector: Selector): string[] {
  const suffix = selector.series ?? ''
  return [...new Set([metricName(selector), exporterName(selector.metric) + suffix])]
}

function exporterName(key: MetricKey): string {
  const base = METRICS[key].replace(/[^a-zA-Z0-9_]/g, '_')
  return PROMETHEUS_NAMES[key].endsWith('_total') ? `${base}_total` : base
}

function select(selector: Selector, samples: readonly Sample[]): Series[] {
  const matchers = Object.entries(selector.match ?? {}).map(
    ([key, value]) => [promLabel(key), value] as const,
  )
  for (const name of nameCandidates(selector)) {
    const found = samples.filter((s) => s.name === name)
    if (found.length === 0) continue
    return found.filter((s) => matchers.every(([label, value]) => (s.labels[label] ?? '') === value))
  }
  return []
}

function group(
  series: readonly Series[],
  by: readonly string[],
  reduce: (values: number[]) => number,
): Series[] {
  const labelNames = by.map(promLabel)
  const groups = new Map<string, { labels: Labels; values: number[] }>()
  for (const s of series) {
    const labels: Labels = {}
    for (const name of labelNames) {
      const value = s.labels[name]
      // PromQL treats an absent label and an empty one alike, and drops it from the result.
      if (value !== undefined && value !== '') labels[name] = value
    }
    const key = JSON.stringify(labelNames.map((name) => labels[name] ?? ''))
    const entry = groups.get(key) ?? { labels, values: [] }
    entry.values.push(s.value)
    groups.set(key, entry)
  }
  return [...groups.values()].map(({ labels, values }) => ({ labels, value: reduce(values) }))
}

function quantiles(q: number, buckets: readonly Series[]): Series[] {
  const byGroup = new Map<string, { labels: Labels; buckets: { upperBound: number; count: number }[] }>()
  for (const s of buckets) {
    const le = s.labels[LE]
    if (le === undefined) continue
    const { [LE]: _, ...labels } = s.labels
    const key = JSON.stringify(Object.entries(labels).sort())
    const entry = byGroup.get(key) ?? { labels, buckets: [] }
    entry.buckets.push({ upperBound: Number(le === '+Inf' ? Number.POSITIVE_INFINITY : le), count: s.value })
    byGroup.set(key, entry)
  }
  return [...byGroup.values()].map(({ labels, buckets: b }) => ({ labels, value: histogramQuantile(q, b) }))
}
