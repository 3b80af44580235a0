/**
 * Turns a parsed OTLP/JSON request from a browser into exact merges into the server's aggregation.
 * Every point is either merged or dropped with a reason, and every drop is counted in
 * product.tracker.dropped, so nothing the browser sent disappears without a trace.
 */
import { ATTR, type DropReason, METRICS, type MetricName, type Plan } from '@feature-analytics/schema'
import { MergeError, type HistogramPoint as MergePoint } from '@feature-analytics/tracker-node'
import type { z } from 'zod'
import { isFeatureName } from '../catalog.ts'
import {
  BROWSER_INSTRUMENTS,
  isBrowserInstrument,
  MAX_CLICKS_PER_POINT,
  MAX_VALUE_LENGTH,
  STAMPED_KEYS,
  UI_ELEMENT_PATTERN,
} from './allowlist.ts'
import type { ElementBudget } from './element-budget.ts'
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
export interface IngestSink {
  mergeSum(metric: MetricName, attributes: Record<string, string>, delta: number): void
  mergeHistogram(metric: MetricName, attributes: Record<string, string>, point: MergePoint): void
  dropped(reason: DropReason): void
}

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

/** Browser attributes checked against the instrument's allowlist, then stamped from the session. */
const attributesFor = (
  allowed: readonly string[],
  attributes: readonly KeyValue[],
  caller: Caller,
): Record<string, string> => {
  const result: Record<string, string> = {}
  for (const { key, value } of attributes) {
    if (STAMPED_KEYS.includes(key)) continue
    if (!allowed.includes(key)) throw new Drop('unknown_attribute')
    const text = value?.stringValue
    if (typeof text !== 'string' || text.length === 0) throw new Drop('invalid_value')
    if (text.length > MAX_VALUE_LENGTH) throw new Drop('value_too_long')
    result[key] = text
  }
  for (const key of allowed) if (!(key in result)) throw new Drop('invalid_point')
  if (!isFeatureName(result[ATTR.featureName])) throw new Drop('unknown_feature')
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
  readonly #elements: ElementBudget

  constructor(sink: IngestSink, elements: ElementBudget) {
    this.#sink = sink
    this.#elements = elements
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
        // The aggregator refuses with a typed MergeError (e.g. foreign boundaries): a bad point, not a fault.
        if (err instanceof Drop || err instanceof MergeError) drop(err.reason)
        else throw err
      }
    }
  }

  #click(raw: unknown, caller: Caller): number {
    const point = parsed(NumberPoint, raw)
    const attributes = attributesFor(BROWSER_INSTRUMENTS[METRICS.click].keys, point.attributes, caller)
    const element = attributes[ATTR.uiElement] ?? ''
    if (!UI_ELEMENT_PATTERN.test(element)) throw new Drop('invalid_value')
    const { value } = point
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_CLICKS_PER_POINT)
      throw new Drop('invalid_value')
    if (value === 0) return 1
    if (!this.#elements.admit(attributes[ATTR.featureName] ?? '', element)) throw new Drop('invalid_value')
    this.#sink.mergeSum(METRICS.click, attributes, value)
    return 1
  }

  #timeSpent(raw: unknown, caller: Caller): number {
    const point = parsed(HistogramPoint, raw)
    const { boundaries } = BROWSER_INSTRUMENTS[METRICS.timeSpent]
    const attributes = attributesFor(BROWSER_INSTRUMENTS[METRICS.timeSpent].keys, point.attributes, caller)
    const sameBounds =
      point.explicitBounds.length === boundaries.length &&
      point.explicitBounds.every((b, i) => b === boundaries[i])
    const bucketTotal = point.bucketCounts.reduce((a, b) => a + b, 0)
    const consistent =
      sameBounds &&
      point.bucketCounts.length === boundaries.length + 1 &&
      bucketTotal === point.count &&
      (point.count === 0 || point.sum !== undefined) &&
      (point.min === undefined || point.max === undefined || point.min <= point.max)
    if (!consistent) throw new Drop('invalid_point')
    if (point.count === 0) return 1
    this.#sink.mergeHistogram(METRICS.timeSpent, attributes, {
      boundaries,
      bucketCounts: point.bucketCounts,
      count: point.count,
      sum: point.sum ?? 0,
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
