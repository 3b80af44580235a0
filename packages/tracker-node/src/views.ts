import {
  ATTR,
  FORBIDDEN_METRIC_ATTRIBUTES,
  LATENCY_BUCKETS_MS,
  METRICS,
  type MetricName,
  TIME_SPENT_BUCKETS_MS,
} from '@feature-analytics/schema'
import {
  AggregationType,
  createDenyListAttributesProcessor,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics'
import { type CardinalityLimits, cardinalityLimit } from './limits.ts'

const HISTOGRAM_BUCKETS: Partial<Record<MetricName, readonly number[]>> = {
  [METRICS.latency]: LATENCY_BUCKETS_MS,
  [METRICS.timeSpent]: TIME_SPENT_BUCKETS_MS,
}

/**
 * One view per schema metric (an instrument matching two views would be exported twice): schema
 * buckets for the histograms, tenant.id kept off them, user ids kept off everything, and the
 * cardinality limits FeatureAggregator also applies. These shape what SDK instruments record;
 * FeatureAggregator's output already has this shape.
 */
export function schemaViews(limits: CardinalityLimits = {}): ViewOptions[] {
  return Object.values(METRICS).map((name): ViewOptions => {
    const buckets = HISTOGRAM_BUCKETS[name]
    const denied = buckets
      ? [ATTR.tenantId, ...FORBIDDEN_METRIC_ATTRIBUTES]
      : [...FORBIDDEN_METRIC_ATTRIBUTES]
    return {
      instrumentName: name,
      attributesProcessors: [createDenyListAttributesProcessor(denied)],
      aggregationCardinalityLimit: cardinalityLimit(name, limits),
      ...(buckets
        ? {
            aggregation: {
              type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
              options: { boundaries: [...buckets] },
            },
          }
        : {}),
    }
  })
}
