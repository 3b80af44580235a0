import {
  LATENCY_BUCKETS_MS,
  METERS,
  METRICS,
  type MetricName,
  TIME_SPENT_BUCKETS_MS,
  UNITS,
} from '@feature-analytics/schema'
import { ValueType } from '@opentelemetry/api'

export type InstrumentKind = 'counter' | 'upDownCounter' | 'histogram' | 'observableGauge'

/**
 * How each schema metric is created. The OpenTelemetry recorder and tracker-node's aggregator both
 * read this table, so the two paths cannot disagree on a unit, a description or a bucket.
 */
export interface InstrumentSpec {
  readonly name: MetricName
  readonly meter: string
  readonly kind: InstrumentKind
  readonly unit: string
  readonly description: string
  readonly valueType: ValueType
  readonly boundaries?: readonly number[]
}

export const INSTRUMENTS = {
  usage: {
    name: METRICS.usage,
    meter: METERS.features,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Feature invocations, by outcome',
    valueType: ValueType.INT,
  },
  latency: {
    name: METRICS.latency,
    meter: METERS.features,
    kind: 'histogram',
    unit: UNITS.milliseconds,
    description: 'Server-side feature latency',
    valueType: ValueType.DOUBLE,
    boundaries: LATENCY_BUCKETS_MS,
  },
  activeUsers: {
    name: METRICS.activeUsers,
    meter: METERS.features,
    kind: 'upDownCounter',
    unit: UNITS.count,
    description: 'Users currently engaged in a feature session',
    valueType: ValueType.INT,
  },
  users: {
    name: METRICS.users,
    meter: METERS.features,
    kind: 'observableGauge',
    unit: UNITS.count,
    description: 'Distinct users per feature and plan (exact up to 1,024, then a HyperLogLog estimate)',
    valueType: ValueType.INT,
  },
  dropped: {
    name: METRICS.dropped,
    meter: METERS.features,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Inputs the tracker refused or folded, by reason',
    valueType: ValueType.INT,
  },
  adoptionStage: {
    name: METRICS.adoptionStage,
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Users reaching an adoption stage of a feature (once per user, feature and stage)',
    valueType: ValueType.INT,
  },
  planChange: {
    name: METRICS.planChange,
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Tenant plan changes',
    valueType: ValueType.INT,
  },
  upgradePriorUsage: {
    name: METRICS.upgradePriorUsage,
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Features a tenant used on its previous plan, counted at each plan change',
    valueType: ValueType.INT,
  },
  retentionOutcome: {
    name: METRICS.retentionOutcome,
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Features a tenant used on its current plan, counted at renewal or churn',
    valueType: ValueType.INT,
  },
  billingDecision: {
    name: METRICS.billingDecision,
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Billing decisions (renewal, upgrade, downgrade, cancellation) per plan',
    valueType: ValueType.INT,
  },
  decisionFeatureUse: {
    name: METRICS.decisionFeatureUse,
    meter: METERS.adoption,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Billing decisions per feature the tenant used since its previous decision, by usage band',
    valueType: ValueType.INT,
  },
  click: {
    name: METRICS.click,
    meter: METERS.frontend,
    kind: 'counter',
    unit: UNITS.count,
    description: 'Clicks on feature UI elements',
    valueType: ValueType.INT,
  },
  timeSpent: {
    name: METRICS.timeSpent,
    meter: METERS.frontend,
    kind: 'histogram',
    unit: UNITS.milliseconds,
    description: 'Time users spend in a feature',
    valueType: ValueType.DOUBLE,
    boundaries: TIME_SPENT_BUCKETS_MS,
  },
} as const satisfies Record<keyof typeof METRICS, InstrumentSpec>
