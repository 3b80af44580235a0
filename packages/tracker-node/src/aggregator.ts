import {
  type AdoptionStage,
  ATTR,
  type DropReason,
  METRICS,
  type MetricName,
  OTHER_TENANT,
  type Outcome,
  type Plan,
  type RetentionOutcome,
} from '@feature-analytics/schema'
import {
  DEFAULT_LIMITS,
  type FeatureRecorder,
  INSTRUMENTS,
  type InstrumentSpec,
  TenantBudget,
  type UsersSource,
} from '@feature-analytics/tracker'
import type { Attributes, HrTime } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'
import { emptyResource } from '@opentelemetry/resources'
import type { CollectionResult, MetricData, MetricProducer, ScopeMetrics } from '@opentelemetry/sdk-metrics'
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics'
import { type HistogramCell, histogramCell, recordValue, type SumCell, sumCell } from './cells.ts'
import { ElementBudget } from './element-budget.ts'
import { type CardinalityLimits, cardinalityLimit } from './limits.ts'
import { MergeError } from './merge-error.ts'
import {
  checkAttributes,
  checkDelta,
  checkHistogram,
  type HistogramPoint,
  type MergeRules,
  UI_ELEMENT_PATTERN,
} from './merge-input.ts'
import { descriptorOf, histogramData, sumData } from './metric-data.ts'
import { type Cell, SeriesIndex } from './series-index.ts'

export interface FeatureAggregatorOptions {
  /** Tenants with their own series in merged points; the tracker applies its own budget to usage. */
  maxTenants?: number
  maxValueLength?: number
  /** Series per instrument, as in the SDK's views; see DEFAULT_CARDINALITY_LIMITS. */
  cardinalityLimits?: CardinalityLimits
  /** When given, merged points must name one of these features. */
  features?: Iterable<string>
  /** Distinct ui.element values kept per feature on merged clicks; default 64. */
  maxElementsPerFeature?: number
}

interface Stream<C extends Cell> {
  spec: InstrumentSpec
  index: SeriesIndex<C>
}

const CLICK_KEYS = [ATTR.featureName, ATTR.uiElement, ATTR.userPlan, ATTR.tenantId]
const TIME_SPENT_KEYS = [ATTR.featureName, ATTR.userPlan]

/**
 * The fast path for feature metrics: a FeatureRecorder that aggregates in plain Maps and hands the
 * result to the SDK as a MetricProducer (a MetricReader's `metricProducers` option), so exporters,
 * resource and temporality handling stay the SDK's. It produces the same MetricData the SDK would
 * for the same measurements (cumulative sums, explicit-bucket histograms with the schema's
 * boundaries, non-monotonic active users); the differential test holds it to that.
 */
export class FeatureAggregator implements FeatureRecorder, MetricProducer {
  #limits: CardinalityLimits
  #usage: Stream<SumCell>
  #latency: Stream<HistogramCell>
  #activeUsers: Stream<SumCell>
  #dropped: Stream<SumCell>
  #adoptionStage: Stream<SumCell>
  #planChange: Stream<SumCell>
  #priorUsage: Stream<SumCell>
  #retention: Stream<SumCell>
  #click: Stream<SumCell>
  #timeSpent: Stream<HistogramCell>
  #userSources: UsersSource[] = []
  #budget: TenantBudget
  #elements: ElementBudget
  #clickRules: MergeRules
  #timeSpentRules: MergeRules

  constructor(options: FeatureAggregatorOptions = {}) {
    this.#limits = options.cardinalityLimits ?? {}
    // A feature has one category (the catalog's), so the category is stored, not looked up.
    this.#usage = this.#sums(
      INSTRUMENTS.usage,
      [ATTR.featureName, ATTR.userPlan, ATTR.tenantId, ATTR.outcome],
      ATTR.featureCategory,
    )
    this.#latency = this.#histograms(
      INSTRUMENTS.latency,
      [ATTR.featureName, ATTR.userPlan],
      ATTR.featureCategory,
    )
    this.#activeUsers = this.#sums(INSTRUMENTS.activeUsers, [ATTR.featureName, ATTR.userPlan])
    this.#dropped = this.#sums(INSTRUMENTS.dropped, [ATTR.reason])
    this.#adoptionStage = this.#sums(INSTRUMENTS.adoptionStage, [
      ATTR.featureName,
      ATTR.adoptionStage,
      ATTR.userPlan,
    ])
    this.#planChange = this.#sums(INSTRUMENTS.planChange, [ATTR.planFrom, ATTR.planTo])
    this.#priorUsage = this.#sums(INSTRUMENTS.upgradePriorUsage, [
      ATTR.featureName,
      ATTR.planFrom,
      ATTR.planTo,
    ])
    this.#retention = this.#sums(INSTRUMENTS.retentionOutcome, [
      ATTR.featureName,
      ATTR.userPlan,
      ATTR.retentionOutcome,
    ])
    this.#click = this.#sums(INSTRUMENTS.click, CLICK_KEYS)
    this.#timeSpent = this.#histograms(INSTRUMENTS.timeSpent, TIME_SPENT_KEYS)

    const maxValueLength = options.maxValueLength ?? DEFAULT_LIMITS.maxValueLength
    const features = options.features ? new Set(options.features) : undefined
    this.#budget = new TenantBudget(options.maxTenants ?? DEFAULT_LIMITS.maxTenants)
    this.#elements = new ElementBudget(options.maxElementsPerFeature ?? 64)
    this.#clickRules = {
      allowed: CLICK_KEYS,
      required: [ATTR.featureName, ATTR.userPlan],
      ignored: [],
      maxValueLength,
      features,
      patterns: { [ATTR.uiElement]: UI_ELEMENT_PATTERN },
    }
    // tenant.id is kept off histograms (cardinality): accepted, then left out.
    this.#timeSpentRules = {
      allowed: TIME_SPENT_KEYS,
      required: TIME_SPENT_KEYS,
      ignored: [ATTR.tenantId],
      maxValueLength,
      features,
      patterns: {},
    }
  }

  // FeatureRecorder: arguments arrive validated by the tracker.

  usage(feature: string, category: string, plan: Plan, tenant: string, outcome: Outcome): void {
    this.#usage.index.at(feature, plan, tenant, outcome, undefined, category).value += 1
  }

  latency(feature: string, category: string, plan: Plan, ms: number): void {
    const cell = this.#latency.index.at(feature, plan, undefined, undefined, undefined, category)
    recordValue(cell, INSTRUMENTS.latency.boundaries, ms)
  }

  activeUsers(feature: string, plan: Plan, delta: 1 | -1): void {
    this.#activeUsers.index.at(feature, plan).value += delta
  }

  adoptionStage(feature: string, plan: Plan, stage: AdoptionStage): void {
    this.#adoptionStage.index.at(feature, stage, plan).value += 1
  }

  planChange(from: Plan, to: Plan): void {
    this.#planChange.index.at(from, to).value += 1
  }

  priorUsage(feature: string, from: Plan, to: Plan): void {
    this.#priorUsage.index.at(feature, from, to).value += 1
  }

  retention(feature: string, plan: Plan, outcome: RetentionOutcome): void {
    this.#retention.index.at(feature, plan, outcome).value += 1
  }

  dropped(reason: DropReason): void {
    this.#dropped.index.at(reason).value += 1
  }

  observeUsers(source: UsersSource): void {
    this.#userSources.push(source)
  }

  /**
   * Adds an already-aggregated delta to a Sum (today: product.feature.click). Exact: counts add.
   * Throws MergeError (nothing merged, nothing counted) for an instrument, attribute or value it
   * will not take; a tenant beyond the budget is folded into `_other` and counted.
   */
  mergeSum(name: MetricName, attributes: Attributes, delta: number): void {
    if (name !== METRICS.click)
      throw new MergeError('unknown_instrument', `${String(name)} does not take merged sums`)
    const a = checkAttributes(attributes, this.#clickRules)
    const value = checkDelta(delta)
    // Nothing clicked: no series to mint, and no element slot to spend.
    if (value === 0) return
    const feature = a[ATTR.featureName] as string
    const element = a[ATTR.uiElement]
    if (element !== undefined && !this.#elements.admit(feature, element)) {
      throw new MergeError('invalid_value', `more than the allowed distinct ui.element values for ${feature}`)
    }
    const tenant = this.#tenant(a[ATTR.tenantId])
    this.#click.index.at(feature, element, a[ATTR.userPlan], tenant).value += value
  }

  /**
   * Adds an already-aggregated explicit-bucket histogram (today: product.feature.time_spent).
   * Exact for counts, buckets and sum; throws BoundariesMismatchError unless the boundaries are
   * the schema's, and MergeError for anything else it will not take.
   */
  mergeHistogram(name: MetricName, attributes: Attributes, point: HistogramPoint): void {
    if (name !== METRICS.timeSpent) {
      throw new MergeError('unknown_instrument', `${String(name)} does not take merged histograms`)
    }
    const a = checkAttributes(attributes, this.#timeSpentRules)
    const p = checkHistogram(point, INSTRUMENTS.timeSpent.boundaries)
    if (p.count === 0) return
    const cell = this.#timeSpent.index.at(a[ATTR.featureName], a[ATTR.userPlan])
    p.bucketCounts.forEach((n, i) => {
      cell.counts[i] = (cell.counts[i] as number) + n
    })
    cell.count += p.count
    cell.sum += p.sum
    if (p.min === undefined || p.max === undefined) cell.minMaxKnown = false
    else {
      cell.min = Math.min(cell.min, p.min)
      cell.max = Math.max(cell.max, p.max)
    }
  }

  /** MetricProducer: a cumulative snapshot. Stateless, so every reader can call it. */
  async collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(Date.now())
    const errors: unknown[] = []
    const byMeter = new Map<string, MetricData[]>()
    const add = (spec: InstrumentSpec, data: MetricData | undefined) => {
      if (data === undefined) return
      const list = byMeter.get(spec.meter) ?? []
      list.push(data)
      byMeter.set(spec.meter, list)
    }
    for (const s of [
      this.#usage,
      this.#activeUsers,
      this.#dropped,
      this.#adoptionStage,
      this.#planChange,
      this.#priorUsage,
      this.#retention,
      this.#click,
    ]) {
      const cells = s.index.cells()
      if (cells.length > 0) add(s.spec, sumData(s.spec, cells, endTime))
    }
    for (const s of [this.#latency, this.#timeSpent]) {
      const cells = s.index.cells()
      if (cells.length > 0) add(s.spec, histogramData(s.spec, cells, endTime))
    }
    add(INSTRUMENTS.users, this.#usersData(endTime, errors))

    const scopeMetrics: ScopeMetrics[] = [...byMeter].map(([name, metrics]) => ({
      scope: { name, version: '', schemaUrl: undefined },
      metrics,
    }))
    // The reader replaces this resource with the SDK's own.
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics }, errors }
  }

  #usersData(endTime: HrTime, errors: unknown[]): MetricData | undefined {
    const dataPoints = []
    for (const source of this.#userSources) {
      try {
        for (const p of source()) {
          const attributes = { [ATTR.featureName]: p.feature, [ATTR.userPlan]: p.plan }
          dataPoints.push({ attributes, startTime: endTime, endTime, value: p.users })
        }
      } catch (error) {
        errors.push(error)
      }
    }
    if (dataPoints.length === 0) return undefined
    return {
      descriptor: descriptorOf(INSTRUMENTS.users),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints,
    }
  }

  #tenant(tenantId: string | undefined): string | undefined {
    if (tenantId === undefined || this.#budget.admit(tenantId)) return tenantId
    this.dropped('tenant_budget_exceeded')
    return OTHER_TENANT
  }

  #sums(spec: InstrumentSpec, keys: readonly string[], derivedKey?: string): Stream<SumCell> {
    const limit = cardinalityLimit(spec.name, this.#limits)
    return { spec, index: new SeriesIndex(keys, limit, sumCell, derivedKey) }
  }

  #histograms(spec: InstrumentSpec, keys: readonly string[], derivedKey?: string): Stream<HistogramCell> {
    const create = histogramCell(spec.boundaries ?? [])
    const limit = cardinalityLimit(spec.name, this.#limits)
    return { spec, index: new SeriesIndex(keys, limit, create, derivedKey) }
  }
}
