import { ATTR, FORBIDDEN_METRIC_ATTRIBUTES } from '@feature-analytics/schema'
import { INSTRUMENTS } from '@feature-analytics/tracker'
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
  return Object.values(INSTRUMENTS).map((spec): ViewOptions => {
    const name = spec.name
    const buckets = 'boundaries' in spec ? spec.boundaries : undefined
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
