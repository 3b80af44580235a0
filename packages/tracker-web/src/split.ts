/**
 * Splits an export into OTLP/JSON bodies no larger than the keepalive budget. A body over budget is
 * cut in half by data points until every part fits; points are never altered, only regrouped, so the
 * server merges exactly what was measured.
 */
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer'
import type { DataPoint, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics'

interface Located {
  scope: number
  metric: number
  point: DataPoint<unknown>
}

const serialize = (metrics: ResourceMetrics): Uint8Array =>
  JsonMetricsSerializer.serializeRequest(metrics) ?? new Uint8Array()

const flatten = (metrics: ResourceMetrics): Located[] =>
  metrics.scopeMetrics.flatMap((scope, s) =>
    scope.metrics.flatMap((metric, m) =>
      (metric.dataPoints as DataPoint<unknown>[]).map((point) => ({ scope: s, metric: m, point })),
    ),
  )

const rebuild = (metrics: ResourceMetrics, points: readonly Located[]): ResourceMetrics => ({
  resource: metrics.resource,
  scopeMetrics: metrics.scopeMetrics
    .map((scope, s) => ({
      scope: scope.scope,
      metrics: scope.metrics
        .map((metric, m) => ({
          ...metric,
          dataPoints: points.filter((p) => p.scope === s && p.metric === m).map((p) => p.point),
        }))
        .filter((metric) => metric.dataPoints.length > 0) as MetricData[],
    }))
    .filter((scope) => scope.metrics.length > 0),
})

export const countPoints = (metrics: ResourceMetrics): number =>
  metrics.scopeMetrics.reduce(
    (n, scope) => n + scope.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0),
    0,
  )

export interface SplitResult {
  bodies: Uint8Array[]
  /** Points that alone exceed the budget: they cannot be sent at all. */
  oversized: number
}

export const splitForBudget = (metrics: ResourceMetrics, maxBytes: number): SplitResult => {
  const result: SplitResult = { bodies: [], oversized: 0 }
  const visit = (part: ResourceMetrics, points: Located[]) => {
    const body = serialize(part)
    if (body.byteLength <= maxBytes) {
      result.bodies.push(body)
      return
    }
    if (points.length <= 1) {
      result.oversized += points.length
      return
    }
    const middle = Math.ceil(points.length / 2)
    for (const half of [points.slice(0, middle), points.slice(middle)]) visit(rebuild(metrics, half), half)
  }
  const points = flatten(metrics)
  if (points.length > 0) visit(metrics, points)
  return result
}
