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
  activityWindow: 'activity.window',
  /** Span-only: never a metric attribute (cardinality and PII). */
  userId: 'user.id',
} as const

/**
 * Span-only boolean, set to true on a span the FeatureAggregator made an exemplar of. The
 * Collector's tail sampler keeps every trace with it (otel-collector/config.yaml), so an exemplar
 * never points at a trace that was dropped. It says nothing about the user.
 */
export const EXEMPLAR_SPAN_ATTRIBUTE = 'feature_analytics.exemplar'

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

/**
 * The windows distinct active users are counted over, in days, each ending with the current day:
 * `1d` is the DAU (so far today), `7d` the WAU, `30d` the MAU. Three values, whatever the traffic.
 */
export const ACTIVITY_WINDOWS = { '1d': 1, '7d': 7, '30d': 30 } as const
export type ActivityWindow = keyof typeof ACTIVITY_WINDOWS
export const ACTIVITY_WINDOW_NAMES = Object.keys(ACTIVITY_WINDOWS) as ActivityWindow[]
/** A day of those windows: UTC days, unless a store is given a shorter one (tests, simulations). */
export const DAY_MILLIS = 86_400_000
/** The day a time (epoch milliseconds) falls in, counted from the epoch; UTC days by default. */
export const dayOf = (time: number, dayMillis: number = DAY_MILLIS): number => Math.floor(time / dayMillis)

/**
 * `{user}` is an annotation (UCUM curly braces): Prometheus's OTLP translation drops it, where a
 * gauge in `1` would get a `_ratio` suffix.
 */
export const UNITS = { count: '1', milliseconds: 'ms', users: '{user}' } as const

export type AttributeKey = Exclude<(typeof ATTR)[keyof typeof ATTR], typeof ATTR.userId>

/** The values each metric attribute takes: the type checker holds every recording call to them. */
export interface AttributeValues {
  [ATTR.featureName]: string
  [ATTR.featureCategory]: string
  [ATTR.userPlan]: Plan
  [ATTR.tenantId]: string
  [ATTR.outcome]: Outcome
  [ATTR.adoptionStage]: AdoptionStage
  [ATTR.uiElement]: string
  [ATTR.planFrom]: Plan
  [ATTR.planTo]: Plan
  [ATTR.retentionOutcome]: RetentionOutcome
  [ATTR.billingDecision]: BillingDecision
  [ATTR.usageBand]: UsageBand
  [ATTR.reason]: DropReason
  [ATTR.activityWindow]: ActivityWindow
}

export type InstrumentKind = 'counter' | 'upDownCounter' | 'histogram' | 'observableGauge'

/** One row of the instrument table. */
export interface InstrumentSpec {
  /** The OTLP metric name. */
  readonly name: string
  readonly meter: (typeof METERS)[keyof typeof METERS]
  readonly kind: InstrumentKind
  readonly unit: string
  readonly description: string
  readonly valueType: 'int' | 'double'
  /** Explicit bucket boundaries (histograms only). */
  readonly boundaries?: readonly number[]
  /** Every attribute a point may carry; tracker-node's aggregator keys its series by these names. */
  readonly attributes: readonly AttributeKey[]
  /**
   * Present when the instrument's points carry exemplars (trace id, span id, value and time of a
   * measurement made in a sampled span). Lists the measurement attributes that are kept off the
   * series and put on the exemplar instead (OpenTelemetry's "filtered attributes"): never PII.
   */
  readonly exemplarAttributes?: readonly AttributeKey[]
  /**
   * The name in Prometheus (Prometheus 3 OTLP receiver, and the Collector's Prometheus exporters,
   * with the default UnderscoreEscapingWithSuffixes translation): dots become underscores,
   * counters get `_total`, and units become suffixes.
   */
  readonly prometheusName: string
}

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
  // A browser point for a feature the tenant's plan does not include.
  'feature_not_in_plan',
  // A ui.element beyond the tenant's element budget: counted under ui.element="_other".
  'element_budget_exceeded',
] as const
export type DropReason = (typeof DROP_REASONS)[number]

/** The value a tenant folds into once the tenant cardinality budget is spent. */
export const OTHER_TENANT = '_other'

/**
 * The ui.element clicks count under when the tenant is folded into `_other` or past its element
 * budget. A page cannot send it (ui.element ids start with a letter or digit).
 */
export const OTHER_ELEMENT = '_other'

/**
 * Every instrument, once. The tracker's recorders (the OpenTelemetry one and tracker-node's
 * aggregator), the browser tracker, the SDK views, the insights queries and the Prometheus names
 * all read this table, so a new metric is one row here plus the call that records it.
 */
export const INSTRUMENTS = {
  usage: {
    name: 'product.feature.usage',
    meter: METERS.features,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Feature invocations, by outcome',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.featureCategory, ATTR.userPlan, ATTR.tenantId, ATTR.outcome],
    exemplarAttributes: [],
    prometheusName: 'product_feature_usage_total',
  },
  latency: {
    name: 'product.feature.latency',
    meter: METERS.features,
    kind: 'histogram',
    unit: UNITS.milliseconds,
    description: 'Server-side feature latency',
    valueType: 'double',
    boundaries: LATENCY_BUCKETS_MS,
    attributes: [ATTR.featureName, ATTR.featureCategory, ATTR.userPlan],
    // Latency series have no tenant (cardinality); "which tenant was slow" is on the exemplar.
    exemplarAttributes: [ATTR.tenantId],
    prometheusName: 'product_feature_latency_milliseconds',
  },
  activeUsers: {
    name: 'product.feature.active_users',
    meter: METERS.features,
    kind: 'upDownCounter',
    unit: UNITS.count,
    description: 'Users currently engaged in a feature session',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.userPlan],
    prometheusName: 'product_feature_active_users',
  },
  adoptionStage: {
    name: 'product.adoption.stage',
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Users reaching an adoption stage of a feature (once per user, feature and stage)',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.adoptionStage, ATTR.userPlan],
    prometheusName: 'product_adoption_stage_total',
  },
  click: {
    name: 'product.feature.click',
    meter: METERS.frontend,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Clicks on feature UI elements',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.uiElement, ATTR.userPlan, ATTR.tenantId],
    prometheusName: 'product_feature_click_total',
  },
  timeSpent: {
    name: 'product.feature.time_spent',
    meter: METERS.frontend,
    kind: 'histogram',
    unit: UNITS.milliseconds,
    description: 'Time users spend in a feature',
    valueType: 'double',
    boundaries: TIME_SPENT_BUCKETS_MS,
    attributes: [ATTR.featureName, ATTR.userPlan],
    prometheusName: 'product_feature_time_spent_milliseconds',
  },
  planChange: {
    name: 'product.plan.change',
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Tenant plan changes',
    valueType: 'int',
    attributes: [ATTR.planFrom, ATTR.planTo],
    prometheusName: 'product_plan_change_total',
  },
  upgradePriorUsage: {
    name: 'product.upgrade.prior_usage',
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Features a tenant used on its previous plan, counted at each plan change',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.planFrom, ATTR.planTo],
    prometheusName: 'product_upgrade_prior_usage_total',
  },
  retentionOutcome: {
    name: 'product.retention.outcome',
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Features a tenant used on its current plan, counted at renewal or churn',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.userPlan, ATTR.retentionOutcome],
    prometheusName: 'product_retention_outcome_total',
  },
  billingDecision: {
    name: 'product.billing.decision',
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Billing decisions (renewal, upgrade, downgrade, cancellation) per plan',
    valueType: 'int',
    attributes: [ATTR.userPlan, ATTR.billingDecision],
    prometheusName: 'product_billing_decision_total',
  },
  decisionFeatureUse: {
    name: 'product.billing.decision_feature_use',
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description:
      'Billing decisions per feature the tenant used since its previous decision, by plan, decision and usage band',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.userPlan, ATTR.billingDecision, ATTR.usageBand],
    prometheusName: 'product_billing_decision_feature_use_total',
  },
  users: {
    name: 'product.feature.users',
    meter: METERS.features,
    kind: 'observableGauge',
    unit: UNITS.count,
    description: 'Distinct users per feature and plan (exact up to 1,024, then a HyperLogLog estimate)',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.userPlan],
    prometheusName: 'product_feature_users',
  },
  distinctUsers: {
    name: 'product.feature.distinct_users',
    meter: METERS.features,
    kind: 'observableGauge',
    unit: UNITS.users,
    description:
      'Distinct users active on a feature per plan in the window ending today (HyperLogLog; shared by replicas through Redis)',
    valueType: 'int',
    attributes: [ATTR.featureName, ATTR.userPlan, ATTR.activityWindow],
    prometheusName: 'product_feature_distinct_users',
  },
  dropped: {
    name: 'product.tracker.dropped',
    meter: METERS.features,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Inputs the tracker refused or folded, by reason',
    valueType: 'int',
    attributes: [ATTR.reason],
    prometheusName: 'product_tracker_dropped_total',
  },
} as const satisfies Record<string, InstrumentSpec>

export type InstrumentId = keyof typeof INSTRUMENTS

/** Instruments written by a call (every kind but the observed gauges). */
export type RecordedInstrument = {
  [I in InstrumentId]: (typeof INSTRUMENTS)[I]['kind'] extends 'observableGauge' ? never : I
}[InstrumentId]

/** Instruments read at each collection (the observable gauges). */
export type ObservedInstrument = Exclude<InstrumentId, RecordedInstrument>

type ExemplarKeys<I extends InstrumentId> = (typeof INSTRUMENTS)[I] extends {
  exemplarAttributes: readonly (infer K extends AttributeKey)[]
}
  ? K
  : never

/**
 * The attributes of one measurement of an instrument, typed by the table: the series' own, and the
 * optional exemplar-only ones (kept off the series).
 */
export type AttributesOf<I extends InstrumentId> = {
  readonly [K in (typeof INSTRUMENTS)[I]['attributes'][number]]: AttributeValues[K]
} & { readonly [K in ExemplarKeys<I>]?: AttributeValues[K] }

/** The table's rows as [id, spec] pairs, typed. */
export const instrumentEntries = (): [InstrumentId, InstrumentSpec][] =>
  Object.entries(INSTRUMENTS) as [InstrumentId, InstrumentSpec][]

type Column<C extends 'name' | 'prometheusName'> = {
  readonly [I in InstrumentId]: (typeof INSTRUMENTS)[I][C]
}
const column = <C extends 'name' | 'prometheusName'>(c: C): Column<C> =>
  Object.fromEntries(instrumentEntries().map(([id, spec]) => [id, spec[c]])) as Column<C>

/** OTLP metric name of each instrument. */
export const METRICS = column('name')
export type MetricName = (typeof METRICS)[InstrumentId]

/** Prometheus name of each instrument (see InstrumentSpec.prometheusName). */
export const PROMETHEUS_NAMES = column('prometheusName')

/** Prometheus label names for the attribute keys (dots become underscores). */
export const promLabel = (attributeKey: string): string => attributeKey.replace(/[^a-zA-Z0-9_]/g, '_')
