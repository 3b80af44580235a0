import {
  ATTR,
  type AttributesOf,
  type DropReason,
  METRICS,
  type MetricName,
  type ObservedInstrument,
  OTHER_ELEMENT,
  OTHER_TENANT,
  type RecordedInstrument,
} from '@feature-analytics/schema'
import { DEFAULT_LIMITS, type FeatureRecorder, type ObservedSource } from '@feature-analytics/tracker'
import { TenantBudget } from '@feature-analytics/tracker/internal'
import type { Attributes } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'
import { emptyResource } from '@opentelemetry/resources'
import type { CollectionResult, MetricData, MetricProducer, ScopeMetrics } from '@opentelemetry/sdk-metrics'
import { TelemetryConfigError } from './config-error.ts'
import { ElementBudget } from './element-budget.ts'
import { ExemplarReservoir } from './exemplars.ts'
import type { CardinalityLimits } from './limits.ts'
import { MergeError } from './merge-error.ts'
import {
  checkAttributes,
  checkDelta,
  checkHistogram,
  type HistogramPoint,
  type MergeRules,
  UI_ELEMENT_PATTERN,
} from './merge-input.ts'
import {
  createStreams,
  type GaugeSource,
  type GaugeStream,
  type RecordedStream,
  type Streams,
} from './streams.ts'

export interface FeatureAggregatorOptions {
  /** Tenants with their own series; default DEFAULT_LIMITS.maxTenants. Share the budget with the tracker (`tenantBudget`). */
  maxTenants?: number
  /** A budget to use instead of a new one of `maxTenants` (give one or the other). */
  tenantBudget?: TenantBudget
  maxValueLength?: number
  /** Series per instrument, as in the SDK's views; see DEFAULT_CARDINALITY_LIMITS. */
  cardinalityLimits?: CardinalityLimits
  /** When given, merged points must name one of these features. */
  features?: Iterable<string>
  /**
   * Distinct (feature, ui.element) pairs each tenant keeps on merged clicks; beyond them, and for
   * tenants folded into `_other`, clicks count under `ui.element="_other"`. Default 64.
   */
  maxElementsPerTenant?: number
  /**
   * Attach exemplars (trace id, span id, value, time) from sampled spans to the instruments whose
   * table row has `exemplarAttributes` (usage, latency); default true. Costs a context lookup per
   * measurement of those instruments.
   */
  exemplars?: boolean
}

/**
 * The fast path for feature metrics: a FeatureRecorder that aggregates in plain Maps and hands the
 * result to the SDK as a MetricProducer (a MetricReader's `metricProducers` option), so exporters,
 * resource and temporality handling stay the SDK's. It produces the same MetricData the SDK would
 * for the same measurements (cumulative sums, explicit-bucket histograms with the schema's
 * boundaries, non-monotonic active users); the differential test holds it to that. Its streams come
 * from the schema's instrument table, one per row.
 */
export class FeatureAggregator implements FeatureRecorder, MetricProducer {
  #streams: Streams
  #reservoir: ExemplarReservoir | undefined
  /**
   * The tenants with their own series. Pass it to createFeatureTracker's `tenantBudget`, so usage
   * and merged clicks fold the same tenants into `_other`.
   */
  readonly tenantBudget: TenantBudget
  #elements: ElementBudget
  #clickRules: MergeRules
  #timeSpentRules: MergeRules

  constructor(options: FeatureAggregatorOptions = {}) {
    this.#reservoir = options.exemplars === false ? undefined : new ExemplarReservoir()
    this.#streams = createStreams(options.cardinalityLimits ?? {}, this.#reservoir)
    const maxValueLength = options.maxValueLength ?? DEFAULT_LIMITS.maxValueLength
    const features = options.features ? new Set(options.features) : undefined
    if (options.tenantBudget !== undefined && options.maxTenants !== undefined)
      throw new TelemetryConfigError('give maxTenants or tenantBudget, not both: the budget has its own size')
    this.tenantBudget =
      options.tenantBudget ?? new TenantBudget(options.maxTenants ?? DEFAULT_LIMITS.maxTenants)
    this.#elements = new ElementBudget(options.maxElementsPerTenant ?? 64)
    // A released tenant's series go (their last values were exported unchanged while it was idle).
    this.tenantBudget.onRelease((tenants) => {
      const released = new Set(tenants)
      this.#streams.usage.forgetTenants(released)
      this.#streams.click.forgetTenants(released)
      this.#elements.forget(tenants)
    })
    this.#clickRules = {
      allowed: this.#streams.click.attributes,
      required: [ATTR.featureName, ATTR.userPlan],
      ignored: [],
      maxValueLength,
      features,
      patterns: { [ATTR.uiElement]: UI_ELEMENT_PATTERN },
    }
    // tenant.id is kept off histograms (cardinality): accepted, then left out.
    this.#timeSpentRules = {
      allowed: this.#streams.timeSpent.attributes,
      required: this.#streams.timeSpent.attributes,
      ignored: [ATTR.tenantId],
      maxValueLength,
      features,
      patterns: {},
    }
  }

  // FeatureRecorder: arguments arrive validated by the tracker.

  record<I extends RecordedInstrument>(instrument: I, attributes: AttributesOf<I>, value: number): void {
    ;(this.#streams[instrument] as RecordedStream).record(attributes, value)
  }

  observe<G extends ObservedInstrument>(instrument: G, source: ObservedSource<G>): void {
    ;(this.#streams[instrument] as GaugeStream).observe(source as GaugeSource)
  }

  /** Counts one refused or folded input on product.tracker.dropped (the browser ingest's refusals). */
  dropped(reason: DropReason): void {
    this.record('dropped', { [ATTR.reason]: reason }, 1)
  }

  /**
   * Adds an already-aggregated delta to a Sum (today: product.feature.click). Exact: counts add.
   * Throws MergeError (nothing merged, nothing counted) for an instrument, attribute or value it
   * will not take; a tenant beyond the budget is folded into `_other` and counted, and so is an
   * element beyond the tenant's element budget.
   */
  mergeSum(name: MetricName, attributes: Attributes, delta: number): void {
    if (name !== METRICS.click)
      throw new MergeError('unknown_instrument', `${String(name)} does not take merged sums`)
    const a = checkAttributes(attributes, this.#clickRules)
    const value = checkDelta(delta)
    // Nothing clicked: no series to mint, and no element slot to spend.
    if (value === 0) return
    const feature = a[ATTR.featureName] as string
    const tenant = this.#tenant(a[ATTR.tenantId])
    let element = a[ATTR.uiElement]
    // Element detail is per tenant with a slot, within its own budget: a folded tenant, or one past
    // its budget, counts its clicks under `_other` (which no page can send: not an identifier).
    if (element !== undefined && tenant === OTHER_TENANT) element = OTHER_ELEMENT
    else if (element !== undefined && !this.#elements.admit(tenant ?? '', feature, element)) {
      this.dropped('element_budget_exceeded')
      element = OTHER_ELEMENT
    }
    this.#streams.click.record({ ...a, [ATTR.uiElement]: element, [ATTR.tenantId]: tenant }, value)
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
    const stream = this.#streams.timeSpent
    const a = checkAttributes(attributes, this.#timeSpentRules)
    const p = checkHistogram(point, stream.boundaries)
    if (p.count > 0) stream.merge(a, p)
  }

  /**
   * MetricProducer: a cumulative snapshot, with every exemplar the reservoir holds. Stateless, so
   * every reader can call it; `producer()` gives a reader only the exemplars new since its last call.
   */
  async collect(): Promise<CollectionResult> {
    return this.#collect(0)
  }

  /**
   * A MetricProducer for one reader: the same cumulative points, but each exemplar only once (the
   * latest per bucket since the reader's previous collection), so exports do not repeat them.
   */
  producer(): MetricProducer {
    let cursor = 0
    return {
      collect: async () => {
        const since = cursor
        cursor = this.#reservoir?.seq ?? 0
        return this.#collect(since)
      },
    }
  }

  #collect(exemplarsSince: number): CollectionResult {
    // Exemplars taken after this point belong to the next collection.
    this.#reservoir?.nextInterval()
    const endTime = millisToHrTime(Date.now())
    const errors: unknown[] = []
    const byMeter = new Map<string, MetricData[]>()
    for (const stream of Object.values(this.#streams)) {
      const data = stream.data(endTime, errors, exemplarsSince)
      if (data === undefined) continue
      const list = byMeter.get(stream.meter) ?? []
      list.push(data)
      byMeter.set(stream.meter, list)
    }
    const scopeMetrics: ScopeMetrics[] = [...byMeter].map(([name, metrics]) => ({
      scope: { name, version: '', schemaUrl: undefined },
      metrics,
    }))
    // The reader replaces this resource with the SDK's own.
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics }, errors }
  }

  #tenant(tenantId: string | undefined): string | undefined {
    if (tenantId === undefined || this.tenantBudget.admit(tenantId)) return tenantId
    this.dropped('tenant_budget_exceeded')
    return OTHER_TENANT
  }
}
