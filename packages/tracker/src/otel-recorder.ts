import {
  type AdoptionStage,
  ATTR,
  type DropReason,
  METERS,
  type Outcome,
  type Plan,
  type RetentionOutcome,
} from '@feature-analytics/schema'
import type { Attributes, Counter, Histogram, Meter, MeterProvider, UpDownCounter } from '@opentelemetry/api'
import { INSTRUMENTS, type InstrumentSpec } from './instruments.ts'
import type { FeatureRecorder, UsersSource } from './recorder.ts'

const options = (spec: InstrumentSpec) => ({
  description: spec.description,
  unit: spec.unit,
  valueType: spec.valueType,
  // Advice makes any SDK use the schema's buckets, even one configured without our views.
  ...(spec.boundaries ? { advice: { explicitBucketBoundaries: [...spec.boundaries] } } : {}),
})

/**
 * The portable recorder: plain OpenTelemetry API instruments, so it works with whatever SDK the
 * host registered (Node, Deno, a browser). Each call builds an attribute object and lets the SDK
 * hash it; tracker-node's FeatureAggregator avoids that cost on servers.
 */
export class OtelRecorder implements FeatureRecorder {
  #usage: Counter
  #latency: Histogram
  #activeUsers: UpDownCounter
  #dropped: Counter
  #adoptionStage: Counter
  #planChange: Counter
  #priorUsage: Counter
  #retention: Counter
  #features: Meter

  constructor(meterProvider: MeterProvider) {
    const features = meterProvider.getMeter(METERS.features)
    const adoption = meterProvider.getMeter(METERS.adoption)
    this.#features = features
    this.#usage = features.createCounter(INSTRUMENTS.usage.name, options(INSTRUMENTS.usage))
    this.#latency = features.createHistogram(INSTRUMENTS.latency.name, options(INSTRUMENTS.latency))
    this.#activeUsers = features.createUpDownCounter(
      INSTRUMENTS.activeUsers.name,
      options(INSTRUMENTS.activeUsers),
    )
    this.#dropped = features.createCounter(INSTRUMENTS.dropped.name, options(INSTRUMENTS.dropped))
    this.#adoptionStage = adoption.createCounter(
      INSTRUMENTS.adoptionStage.name,
      options(INSTRUMENTS.adoptionStage),
    )
    this.#planChange = adoption.createCounter(INSTRUMENTS.planChange.name, options(INSTRUMENTS.planChange))
    this.#priorUsage = adoption.createCounter(
      INSTRUMENTS.upgradePriorUsage.name,
      options(INSTRUMENTS.upgradePriorUsage),
    )
    this.#retention = adoption.createCounter(
      INSTRUMENTS.retentionOutcome.name,
      options(INSTRUMENTS.retentionOutcome),
    )
  }

  usage(feature: string, category: string, plan: Plan, tenant: string, outcome: Outcome): void {
    this.#usage.add(1, {
      [ATTR.featureName]: feature,
      [ATTR.featureCategory]: category,
      [ATTR.userPlan]: plan,
      [ATTR.tenantId]: tenant,
      [ATTR.outcome]: outcome,
    })
  }

  latency(feature: string, category: string, plan: Plan, ms: number): void {
    this.#latency.record(ms, {
      [ATTR.featureName]: feature,
      [ATTR.featureCategory]: category,
      [ATTR.userPlan]: plan,
    })
  }

  activeUsers(feature: string, plan: Plan, delta: 1 | -1): void {
    this.#activeUsers.add(delta, { [ATTR.featureName]: feature, [ATTR.userPlan]: plan })
  }

  adoptionStage(feature: string, plan: Plan, stage: AdoptionStage): void {
    this.#adoptionStage.add(1, {
      [ATTR.featureName]: feature,
      [ATTR.adoptionStage]: stage,
      [ATTR.userPlan]: plan,
    })
  }

  planChange(from: Plan, to: Plan): void {
    this.#planChange.add(1, { [ATTR.planFrom]: from, [ATTR.planTo]: to })
  }

  priorUsage(feature: string, from: Plan, to: Plan): void {
    this.#priorUsage.add(1, { [ATTR.featureName]: feature, [ATTR.planFrom]: from, [ATTR.planTo]: to })
  }

  retention(feature: string, plan: Plan, outcome: RetentionOutcome): void {
    this.#retention.add(1, {
      [ATTR.featureName]: feature,
      [ATTR.userPlan]: plan,
      [ATTR.retentionOutcome]: outcome,
    })
  }

  dropped(reason: DropReason): void {
    this.#dropped.add(1, { [ATTR.reason]: reason })
  }

  observeUsers(source: UsersSource): void {
    const gauge = this.#features.createObservableGauge(INSTRUMENTS.users.name, options(INSTRUMENTS.users))
    gauge.addCallback((result) => {
      for (const point of source()) {
        const attributes: Attributes = { [ATTR.featureName]: point.feature, [ATTR.userPlan]: point.plan }
        result.observe(point.users, attributes)
      }
    })
  }
}
