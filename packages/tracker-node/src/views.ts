import { ATTR, FORBIDDEN_METRIC_ATTRIBUTES, instrumentEntries, METRICS } from '@feature-analytics/schema'
import {
  AggregationType,
  createDenyListAttributesProcessor,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics'
import { type CardinalityLimits, cardinalityLimit } from './limits.ts'

/**
 * One view per schema metric (an instrument matching two views would be exported twice): schema
 * buckets for the histograms, tenant.id kept off them, user ids kept off everything, and the
 * cardinality limits FeatureAggregator also applies. These shape what SDK instruments record;
 * FeatureAggregator's output already has this shape.
 */
export function schemaViews(limits: CardinalityLimits = {}): ViewOptions[] {
  return instrumentEntries().map(([id, spec]): ViewOptions => {
    const name = METRICS[id]
    const buckets = spec.boundaries
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
