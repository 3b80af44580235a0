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
  billingDecision: 'product.billing.decision',
  decisionFeatureUse: 'product.billing.decision_feature_use',
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
  billingDecision: 'billing.decision',
  usageBand: 'usage.band',
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

/**
 * What a tenant decides at the end of a billing period. Every decision is counted (per plan), and
 * with it every feature the tenant used since its previous decision, so that for each feature and
 * plan users and non-users can be compared on the same footing.
 */
export const BILLING_DECISIONS = ['renewal', 'upgrade', 'downgrade', 'cancellation'] as const
export type BillingDecision = (typeof BILLING_DECISIONS)[number]

/**
 * How much a tenant used a feature between two billing decisions, in bands bounded by the
 * adoption thresholds (successful calls by the whole tenant): four values, whatever the volume.
 */
export const USAGE_BANDS = ['1-2', '3-9', '10-49', '50+'] as const
export type UsageBand = (typeof USAGE_BANDS)[number]

export function usageBand(calls: number): UsageBand {
  if (calls >= 50) return '50+'
  if (calls >= 10) return '10-49'
  if (calls >= 3) return '3-9'
  return '1-2'
}

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
  billingDecision: 'product_billing_decision_total',
  decisionFeatureUse: 'product_billing_decision_feature_use_total',
  users: 'product_feature_users',
  dropped: 'product_tracker_dropped_total',
} as const satisfies Record<keyof typeof METRICS, string>

/** Prometheus label names for the attribute keys (dots become underscores). */
export const promLabel = (attributeKey: string): string => attributeKey.replace(/[^a-zA-Z0-9_]/g, '_')
