/**
 * What a user's browser tab would export: clicks per (feature, element) and time spent per feature,
 * as one OTLP/JSON ExportMetricsServiceRequest with delta temporality, like tracker-web's flush.
 */
import { ATTR, METERS, METRICS, TIME_SPENT_BUCKETS_MS, UNITS } from '@feature-analytics/schema'

const DELTA = 1

export interface BrowserBatch {
  /** `${feature}\u0000${element}` -> clicks */
  clicks: Map<string, number>
  /** feature -> visit durations in ms */
  visits: Map<string, number[]>
}

export const emptyBatch = (): BrowserBatch => ({ clicks: new Map(), visits: new Map() })

export const isEmpty = (batch: BrowserBatch): boolean => batch.clicks.size === 0 && batch.visits.size === 0

export function recordVisit(
  batch: BrowserBatch,
  feature: string,
  elements: string[],
  durationMs: number,
): void {
  for (const element of elements) {
    const key = `${feature}\u0000${element}`
    batch.clicks.set(key, (batch.clicks.get(key) ?? 0) + 1)
  }
  batch.visits.set(feature, [...(batch.visits.get(feature) ?? []), durationMs])
}

export const splitClickKey = (key: string): [feature: string, element: string] => {
  const [feature = '', element = ''] = key.split('\u0000')
  return [feature, element]
}

const attr = (key: string, value: string) => ({ key, value: { stringValue: value } })

/**
 * `invalidPoint` appends one metric the ingest must refuse (not on its allowlist), the planted
 * browser error; the caller expects exactly one rejected point back.
 */
export function toOtlp(batch: BrowserBatch, startMs: number, endMs: number, invalidPoint: boolean): unknown {
  const startTimeUnixNano = `${startMs}000000`
  const timeUnixNano = `${endMs}000000`
  const metrics: unknown[] = []
  if (batch.clicks.size > 0) {
    metrics.push({
      name: METRICS.click,
      unit: UNITS.count,
      sum: {
        aggregationTemporality: DELTA,
        isMonotonic: true,
        dataPoints: [...batch.clicks].map(([key, n]) => {
          const [feature, element] = splitClickKey(key)
          return {
            attributes: [attr(ATTR.featureName, feature), attr(ATTR.uiElement, element)],
            startTimeUnixNano,
            timeUnixNano,
            asInt: String(n),
          }
        }),
      },
    })
  }
  if (batch.visits.size > 0) {
    metrics.push({
      name: METRICS.timeSpent,
      unit: UNITS.milliseconds,
      histogram: {
        aggregationTemporality: DELTA,
        dataPoints: [...batch.visits].map(([feature, durations]) => ({
          attributes: [attr(ATTR.featureName, feature)],
          startTimeUnixNano,
          timeUnixNano,
          ...histogramOf(durations),
        })),
      },
    })
  }
  if (invalidPoint) {
    metrics.push({
      name: 'product.feature.hover',
      sum: { aggregationTemporality: DELTA, isMonotonic: true, dataPoints: [{ asInt: '1', timeUnixNano }] },
    })
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [attr('service.name', 'saas-web')] },
        scopeMetrics: [{ scope: { name: METERS.frontend }, metrics }],
      },
    ],
  }
}

/** Explicit-bucket histogram as OpenTelemetry builds it: bucket i holds (bound[i-1], bound[i]]. */
function histogramOf(values: readonly number[]) {
  const bucketCounts = new Array<number>(TIME_SPENT_BUCKETS_MS.length + 1).fill(0)
  for (const value of values) {
    const i = TIME_SPENT_BUCKETS_MS.findIndex((bound) => value <= bound)
    const index = i === -1 ? TIME_SPENT_BUCKETS_MS.length : i
    bucketCounts[index] = (bucketCounts[index] ?? 0) + 1
  }
  return {
    count: String(values.length),
    sum: values.reduce((a, b) => a + b, 0),
    min: values.reduce((a, b) => Math.min(a, b)),
    max: values.reduce((a, b) => Math.max(a, b)),
    bucketCounts: bucketCounts.map(String),
    explicitBounds: [...TIME_SPENT_BUCKETS_MS],
  }
}
