/**
 * Turns a parsed OTLP/JSON request from a browser into exact merges into the server's aggregation.
 * This file translates, stamps and checks plausibility (timestamps, histogram sums within their
 * buckets, clicks and visits per request and per session) before anything merges; the aggregator's
 * merge checks the rest (attributes, feature, lengths, buckets, the ui.element budget). Every point
 * is either merged or dropped with a reason, and every drop is counted in product.tracker.dropped,
 * so nothing the browser sent disappears without a trace.
 */
import { ATTR, type DropReason, METRICS, type Plan } from '@feature-analytics/schema'
import type { FeatureTracker } from '@feature-analytics/tracker'
import { type FeatureAggregator, MergeError } from '@feature-analytics/tracker-node'
import type { z } from 'zod'
import { isFeatureName, planIncludes } from '../catalog.ts'
import { isBrowserInstrument, MAX_CLICKS_PER_POINT, STAMPED_KEYS } from './allowlist.ts'
import {
  type Envelope,
  HistogramData,
  HistogramPoint,
  type KeyValue,
  MetricHead,
  NumberPoint,
  SumData,
} from './otlp.ts'
import { checkBuckets, checkTimestamps, Implausible } from './plausibility.ts'
import { SessionBudget, type SessionLimits } from './session-budget.ts'

/** The part of tracker-node's FeatureAggregator the ingest writes to. */
export type IngestSink = Pick<FeatureAggregator, 'mergeSum' | 'mergeHistogram' | 'dropped'>

/** Who is counted active on a feature when a visit of its page is merged (the tracker). */
export type ActiveUserSink = Pick<FeatureTracker, 'trackActiveUser'>

export interface Caller {
  tenantId: string
  plan: Plan
  /** Never a metric attribute: it only makes the user active on the visited feature. */
  userId: string
  /** The browser session the per-session click and visit budget is kept for. */
  session: string
}

/** A point that passed every check here, waiting for the request's budget before it merges. */
interface Checked {
  merge: () => void
  clicks: number
  visits: number
}

export interface IngestResult {
  accepted: number
  rejected: Partial<Record<DropReason, number>>
}

class Drop extends Error {
  readonly reason: DropReason
  constructor(reason: DropReason) {
    super(reason)
    this.reason = reason
  }
}

const pointsIn = (metric: MetricHead): number => {
  const data = metric.sum ?? metric.gauge ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary
  return Math.max(1, data?.dataPoints?.length ?? 0)
}

/**
 * The point's attributes as the aggregator takes them (OTLP's typed values to strings), with tenant
 * and plan stamped from the session: whatever the browser said for those is never believed.
 */
const stampedAttributes = (attributes: readonly KeyValue[], caller: Caller): Record<string, string> => {
  const result: Record<string, string> = {}
  for (const { key, value } of attributes) {
    if (STAMPED_KEYS.includes(key)) continue
    const text = value?.stringValue
    if (text === undefined) throw new Drop('invalid_value')
    result[key] = text
  }
  result[ATTR.userPlan] = caller.plan
  result[ATTR.tenantId] = caller.tenantId
  // Plan gating, as on the feature routes: a page cannot report use of a feature the plan lacks.
  // (An unknown feature is the aggregator's to refuse.)
  const feature = result[ATTR.featureName]
  if (isFeatureName(feature) && !planIncludes(caller.plan, feature)) throw new Drop('feature_not_in_plan')
  return result
}

const parsed = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = schema.safeParse(input)
  if (!result.success) throw new Drop('invalid_point')
  return result.data
}

export class BrowserIngest {
  readonly #sink: IngestSink
  readonly #budget: SessionBudget
  readonly #now: () => number
  readonly #active: ActiveUserSink | undefined

  constructor(
    sink: IngestSink,
    now: () => number = Date.now,
    sessionLimits: SessionLimits = {},
    active?: ActiveUserSink,
  ) {
    this.#sink = sink
    this.#active = active
    this.#now = now
    this.#budget = new SessionBudget(sessionLimits)
  }

  async ingest(request: z.output<typeof Envelope>, caller: Caller): Promise<IngestResult> {
    const result: IngestResult = { accepted: 0, rejected: {} }
    const drop = (reason: DropReason, n = 1) => {
      result.rejected[reason] = (result.rejected[reason] ?? 0) + n
      for (let i = 0; i < n; i++) this.#sink.dropped(reason)
    }
    const checked: Checked[] = []
    for (const resource of request.resourceMetrics ?? []) {
      for (const scope of resource.scopeMetrics ?? []) {
        for (const raw of scope.metrics ?? []) {
          const head = MetricHead.safeParse(raw)
          if (!head.success) drop('invalid_point')
          else if (!isBrowserInstrument(head.data.name)) drop('unknown_instrument', pointsIn(head.data))
          else this.#metric(head.data, caller, checked, drop)
        }
      }
    }
    // Within the request's budget, in order; the rest of the request is refused.
    let clicks = 0
    let visits = 0
    const admitted = checked.filter((point) => {
      const budget = this.#budget
      if (clicks + point.clicks > budget.requestClicks || visits + point.visits > budget.requestVisits) {
        drop('over_rate')
        return false
      }
      clicks += point.clicks
      visits += point.visits
      return true
    })
    if (admitted.length > 0 && !(await this.#budget.take(caller.session, clicks, visits))) {
      drop('over_rate', admitted.length)
      return result
    }
    for (const point of admitted) {
      try {
        point.merge()
        result.accepted += 1
      } catch (err) {
        // The aggregator refuses with a typed MergeError (its reason is the drop's): a bad point, not a fault.
        if (err instanceof MergeError) drop(err.reason)
        else throw err
      }
    }
    return result
  }

  #metric(
    metric: MetricHead,
    caller: Caller,
    checked: Checked[],
    drop: (reason: DropReason, n?: number) => void,
  ) {
    const isClick = metric.name === METRICS.click
    const data = (isClick ? SumData : HistogramData).safeParse(isClick ? metric.sum : metric.histogram)
    // Delta only: a cumulative point repeats what earlier exports already counted.
    const usable =
      data.success &&
      data.data.aggregationTemporality === 'delta' &&
      (!isClick || (data.data as z.output<typeof SumData>).isMonotonic !== false)
    if (!usable) return drop('invalid_point', pointsIn(metric))
    const now = this.#now()
    for (const point of data.data.dataPoints) {
      try {
        checked.push(isClick ? this.#click(point, caller, now) : this.#timeSpent(point, caller, now))
      } catch (err) {
        if (err instanceof Drop || err instanceof Implausible) drop(err.reason)
        else throw err
      }
    }
  }

  #click(raw: unknown, caller: Caller, now: number): Checked {
    const point = parsed(NumberPoint, raw)
    checkTimestamps(point.startTimeUnixNano, point.timeUnixNano, now)
    const attributes = stampedAttributes(point.attributes, caller)
    // The browser contract: every click names its element (the aggregator also takes clicks without).
    if (typeof attributes[ATTR.uiElement] !== 'string') throw new Drop('invalid_point')
    if (point.value > MAX_CLICKS_PER_POINT) throw new Drop('invalid_value')
    return {
      merge: () => this.#sink.mergeSum(METRICS.click, attributes, point.value),
      clicks: Number.isSafeInteger(point.value) && point.value > 0 ? point.value : 0,
      visits: 0,
    }
  }

  #timeSpent(raw: unknown, caller: Caller, now: number): Checked {
    const point = parsed(HistogramPoint, raw)
    checkTimestamps(point.startTimeUnixNano, point.timeUnixNano, now)
    const attributes = stampedAttributes(point.attributes, caller)
    checkBuckets(point)
    const feature = attributes[ATTR.featureName]
    return {
      merge: () => {
        this.#sink.mergeHistogram(METRICS.timeSpent, attributes, {
          boundaries: point.explicitBounds,
          bucketCounts: point.bucketCounts,
          count: point.count,
          // OTLP makes sum optional; an empty point has nothing to sum.
          sum: point.sum ?? (point.count === 0 ? 0 : Number.NaN),
          ...(point.min === undefined ? {} : { min: point.min }),
          ...(point.max === undefined ? {} : { max: point.max }),
        })
        // A visit of the feature's page (merged, so it passed every check) makes its user active.
        if (point.count > 0 && feature !== undefined)
          this.#active?.trackActiveUser(feature, { userId: caller.userId, plan: caller.plan })
      },
      clicks: 0,
      visits: point.count,
    }
  }
}

/** The OTLP response body: how many points were refused and why. */
export const partialSuccess = ({ rejected }: IngestResult) => {
  const entries = Object.entries(rejected)
  const rejectedDataPoints = entries.reduce((total, [, n]) => total + (n ?? 0), 0)
  return rejectedDataPoints === 0
    ? { partialSuccess: { rejectedDataPoints: 0 } }
    : {
        partialSuccess: {
          rejectedDataPoints,
          errorMessage: `dropped ${entries.map(([reason, n]) => `${n} ${reason}`).join(', ')}`,
        },
      }
}
