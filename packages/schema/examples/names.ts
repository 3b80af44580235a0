import {
  ATTR,
  DEFAULT_ADOPTION_THRESHOLDS,
  FORBIDDEN_METRIC_ATTRIBUTES,
  METERS,
  METRICS,
  PROMETHEUS_NAMES,
  promLabel,
} from '@feature-analytics/schema'

// One source for every name: the SDK side records with METRICS and ATTR...
export const instrument = { meter: METERS.features, name: METRICS.usage }
export const attributes = { [ATTR.featureName]: 'report_export', [ATTR.userPlan]: 'pro' }

// ...and the Prometheus side queries the names the OTLP translation gives them.
export const promql = `sum by (${promLabel(ATTR.featureName)}) (${PROMETHEUS_NAMES.usage})`

export const activatedAt = DEFAULT_ADOPTION_THRESHOLDS.activated
export const userIdIsForbidden = FORBIDDEN_METRIC_ATTRIBUTES.includes(ATTR.userId)
// promql: sum by (feature_name) (product_feature_usage_total)
// activatedAt: 3, userIdIsForbidden: true
