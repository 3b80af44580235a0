/**
 * Turns a parsed OTLP/JSON request from a browser into exact merges into the server's aggregation.
 * This file translates and stamps; the aggregator's merge checks every point (attributes, feature,
 * lengths, buckets, the ui.element budget). Every point is either merged or dropped with a reason,
 * and every drop is counted in product.tracker.dropped, so nothing the browser sent disappears
 * without a trace.
 */
import { ATTR, type DropReason, METRICS, type Plan } from '@feature-analytics/schema'
import { type FeatureAggregator, MergeError } from '@feature-analytics/tracker-node'
import type { z } from 'zod'
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

/** The part of tracker-node's FeatureAggregator the ingest writes to. */
export type IngestSink = Pick<FeatureAggregator, 'mergeSum' | 'mergeHistogram' | 'dropped'>

export interface Caller {
  tenantId: string
  plan: Plan
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
  return result
}

const parsed = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = schema.safeParse(input)
  if (!result.success) throw new Drop('invalid_point')
  return result.data
}

export class BrowserIngest {
  readonly #sink: IngestSink

  constructor(sink: IngestSink) {
    this.#sink = sink
  }

  ingest(request: z.output<typeof Envelope>, caller: Caller): IngestResult {
    const result: IngestResult = { accepted: 0, rejected: {} }
    const drop = (reason: DropReason, n = 1) => {
      result.rejected[reason] = (result.rejected[reason] ?? 0) + n
      for (let i = 0; i < n; i++) this.#sink.dropped(reason)
    }
    for (const resource of request.resourceMetrics ?? []) {
      for (const scope of resource.scopeMetrics ?? []) {
        for (const raw of scope.metrics ?? []) {
          const head = MetricHead.safeParse(raw)
          if (!head.success) drop('invalid_point')
          else if (!isBrowserInstrument(head.data.name)) drop('unknown_instrument', pointsIn(head.data))
          else this.#metric(head.data, caller, result, drop)
        }
      }
    }
    return result
  }

  #metric(
    metric: MetricHead,
    caller: Caller,
    result: IngestResult,
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
    for (const point of data.data.dataPoints) {
      try {
        result.accepted += isClick ? this.#click(point, caller) : this.#timeSpent(point, caller)
      } catch (err) {
        // The aggregator refuses with a typed MergeError (its reason is the drop's): a bad point, not a fault.
        if (err instanceof Drop || err instanceof MergeError) drop(err.reason)
        else throw err
      }
    }
  }

  #click(raw: unknown, caller: Caller): number {
    const point = parsed(NumberPoint, raw)
    const attributes = stampedAttributes(point.attributes, caller)
    // The browser contract: every click names its element (the aggregator also takes clicks without).
    if (typeof attributes[ATTR.uiElement] !== 'string') throw new Drop('invalid_point')
    if (point.value > MAX_CLICKS_PER_POINT) throw new Drop('invalid_value')
    this.#sink.mergeSum(METRICS.click, attributes, point.value)
    return 1
  }

  #timeSpent(raw: unknown, caller: Caller): number {
    const point = parsed(HistogramPoint, raw)
    this.#sink.mergeHistogram(METRICS.timeSpent, stampedAttributes(point.attributes, caller), {
      boundaries: point.explicitBounds,
      bucketCounts: point.bucketCounts,
      count: point.count,
      // OTLP makes sum optional; an empty point has nothing to sum.
      sum: point.sum ?? (point.count === 0 ? 0 : Number.NaN),
      ...(point.min === undefined ? {} : { min: point.min }),
      ...(point.max === undefined ? {} : { max: point.max }),
    })
    return 1
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
