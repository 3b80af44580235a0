import { METRICS, type MetricName } from '@feature-analytics/schema'

/** The SDK's default series limit per instrument. */
export const DEFAULT_CARDINALITY_LIMIT = 2000

/**
 * Usage and clicks carry `tenant.id`: features x plans x (maxTenants + 1) x outcomes can pass 60,000
 * series with the default tenant budget, so they get more room than the SDK default. The same
 * limits go to the SDK's views and to FeatureAggregator, so both paths fold at the same point.
 */
export const DEFAULT_CARDINALITY_LIMITS: Readonly<Partial<Record<MetricName, number>>> = {
  [METRICS.usage]: 100_000,
  [METRICS.click]: 100_000,
}

export type CardinalityLimits = Partial<Record<MetricName, number>> & { default?: number }

export function cardinalityLimit(name: MetricName, limits: CardinalityLimits = {}): number {
  return limits[name] ?? DEFAULT_CARDINALITY_LIMITS[name] ?? limits.default ?? DEFAULT_CARDINALITY_LIMIT
}
