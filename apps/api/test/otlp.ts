/** OTLP/JSON request builders, shaped like what tracker-web's exporter sends. */
import { ATTR, METRICS, TIME_SPENT_BUCKETS_MS } from '@feature-analytics/schema'

/** A delta point's interval: the second before now, as the browser tracker's export carries it. */
export const interval = (nowMs = Date.now()) => ({
  startTimeUnixNano: `${nowMs - 1000}000000`,
  timeUnixNano: `${nowMs}000000`,
})

export const DELTA = 1
export const CUMULATIVE = 2

export const kv = (attributes: Record<string, string>) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } }))

export const exportRequest = (...metrics: unknown[]) => ({
  resourceMetrics: [
    {
      resource: { attributes: kv({ 'service.name': 'saas-web' }) },
      scopeMetrics: [{ scope: { name: 'product.features.frontend' }, metrics }],
    },
  ],
})

export const clickMetric = (
  points: { attributes: Record<string, string>; asInt?: number | string; asDouble?: number }[],
  temporality = DELTA,
) => ({
  name: METRICS.click,
  unit: '1',
  sum: {
    aggregationTemporality: temporality,
    isMonotonic: true,
    dataPoints: points.map(({ attributes, ...value }) => ({
      attributes: kv(attributes),
      ...interval(),
      ...value,
    })),
  },
})

export const click = (feature: string, element: string, extra: Record<string, string> = {}) => ({
  [ATTR.featureName]: feature,
  [ATTR.uiElement]: element,
  ...extra,
})

/** A delta histogram point holding `samples` (ms), bucketed by the schema's boundaries. */
export const timeSpentMetric = (
  feature: string,
  samples: number[],
  options: { bounds?: readonly number[]; temporality?: number; extra?: Record<string, string> } = {},
) => {
  const bounds = options.bounds ?? TIME_SPENT_BUCKETS_MS
  const bucketCounts = new Array(bounds.length + 1).fill(0)
  for (const sample of samples) {
    const index = bounds.findIndex((bound) => sample <= bound)
    bucketCounts[index === -1 ? bounds.length : index] += 1
  }
  return {
    name: METRICS.timeSpent,
    unit: 'ms',
    histogram: {
      aggregationTemporality: options.temporality ?? DELTA,
      dataPoints: [
        {
          attributes: kv({ [ATTR.featureName]: feature, ...options.extra }),
          ...interval(),
          count: String(samples.length),
          sum: samples.reduce((a, b) => a + b, 0),
          bucketCounts: bucketCounts.map(String),
          explicitBounds: [...bounds],
          min: Math.min(...samples),
          max: Math.max(...samples),
        },
      ],
    },
  }
}
