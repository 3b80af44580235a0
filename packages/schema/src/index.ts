/**
 * The metric schema, in one place, so the trackers, the API, the simulator, the Collector config,
 * the Prometheus rules and the insights queries all agree on names. No runtime dependencies:
 * this file is copied into browsers, Deno and Node alike.
 */

export const METERS = {
  features: 'product.features',
  adoption: 'product.adoption',
  frontend: 'product.features.frontend',
} as const

export const METRICS = {
  usage: 'product.feature.usage',
  latency: 'product.feature.latency',
  activeUsers: 'product.feature.active_users',
  adoptionStage: 'product.adoption.stage',
  click: 'product.feature.click',
  timeSpent: 'product.feature.time_spent',
  planChange: 'product.plan.change',
  upgradePriorUsage: 'product.upgrade.prior_usage',
  retentionOutcome: 'product.retention.outcome',
  users: 'product.feature.users',
  dropped: 'product.tracker.dropped',
} as const

export type MetricName = (typeof METRICS)[keyof typeof METRICS]

export const ATTR = {
  featureName: 'feature.name',
  featureCategory: 'feature.category',
  userPlan: 'user.plan',
  tenantId: 'tenant.id',
  outcome: 'feature.outcome',
  adoptionStage: 'adoption.stage',
  uiElement: 'ui.element',
  planFrom: 'plan.from',
  planTo: 'plan.to',
  retentionOutcome: 'retention.outcome',
  reason: 'reason',
  /** Span-only: never a metric attribute (cardinality and PII). */
  userId: 'user.id',
} as const

/** Attribute keys that must never appear on a metric point. The Collector deletes them too. */
export const FORBIDDEN_METRIC_ATTRIBUTES: readonly string[] = [ATTR.userId, 'user.email', 'enduser.id']

export const PLANS = ['free', 'pro', 'enterprise'] as const
export type Plan = (typeof PLANS)[number]
export const isPlan = (value: unknown): value is Plan => PLANS.includes(value as Plan)

export const OUTCOMES = ['success', 'error'] as const
export type Outcome = (typeof OUTCOMES)[number]

export const RETENTION_OUTCOMES = ['retained', 'churned'] as const
export type RetentionOutcome = (typeof RETENTION_OUTCOMES)[number]

/** Adoption stages in order; a stage is reached when a user's count for a feature reaches its threshold. */
export const ADOPTION_STAGES = ['discovered', 'activated', 'adopted', 'power_user'] as const
export type AdoptionStage = (typeof ADOPTION_STAGES)[number]
export type AdoptionThresholds = Readonly<Record<AdoptionStage, number>>
export const DEFAULT_ADOPTION_THRESHOLDS: AdoptionThresholds = {
  discovered: 1,
  activated: 3,
  adopted: 10,
  power_user: 50,
}

/** Server-side feature latency, in milliseconds. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
]

/** Time a user spends in a feature (browser), in milliseconds: one second to one hour. */
export const TIME_SPENT_BUCKETS_MS: readonly number[] = [
  1000, 5000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000,
]

export const UNITS = { count: '1', milliseconds: 'ms' } as const

/**
 * Why the tracker refused or folded an input. Each is a value of `reason` on
 * `product.tracker.dropped`, so nothing is lost silently.
 */
export const DROP_REASONS = [
  'unknown_feature',
  'invalid_id',
  'value_too_long',
  'unknown_plan',
  'invalid_value',
  'tenant_budget_exceeded',
  'store_error',
  'hook_error',
  'unknown_instrument',
  'unknown_attribute',
  'invalid_point',
  // Browser points refused as implausible: a histogram whose sum, min or max its buckets cannot
  // hold; a timestamp far from now; more clicks or visits than a request or a session can carry.
  'inconsistent_point',
  'invalid_timestamp',
  'over_rate',
] as const
export type DropReason = (typeof DROP_REASONS)[number]

/** The value a tenant folds into once the tenant cardinality budget is spent. */
export const OTHER_TENANT = '_other'

/**
 * How each OTLP metric name appears in Prometheus (Prometheus 3 OTLP receiver, and the Collector's
 * Prometheus exporters, with the default UnderscoreEscapingWithSuffixes translation): dots become
 * underscores, counters get `_total`, and units become suffixes.
 */
export const PROMETHEUS_NAMES = {
  usage: 'product_feature_usage_total',
  latency: 'product_feature_latency_milliseconds',
  activeUsers: 'product_feature_active_users',
  adoptionStage: 'product_adoption_stage_total',
  click: 'product_feature_click_total',
  timeSpent: 'product_feature_time_spent_milliseconds',
  planChange: 'product_plan_change_total',
  upgradePriorUsage: 'product_upgrade_prior_usage_total',
  retentionOutcome: 'product_retention_outcome_total',
  users: 'product_feature_users',
  dropped: 'product_tracker_dropped_total',
} as const satisfies Record<keyof typeof METRICS, string>

/** Prometheus label names for the attribute keys (dots become underscores). */
export const promLabel = (attributeKey: string): string => attributeKey.replace(/[^a-zA-Z0-9_]/g, '_')
