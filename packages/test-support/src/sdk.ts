import type { Attributes } from '@opentelemetry/api'
import {
  type CollectionResult,
  DataPointType,
  MeterProvider,
  type MetricData,
} from '@opentelemetry/sdk-metrics'
import { testReader } from './collect.ts'

/** A real SDK MeterProvider whose reader the test collects from on demand. */
export function sdk() {
  const reader = testReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  return {
    meterProvider,
    collect: async () => new Snapshot(await reader.collect()),
    shutdown: () => meterProvider.shutdown(),
  }
}

export interface Point {
  scope: string
  attributes: Attributes
  /** Sum or gauge value, or a histogram's count. */
  value: number
  sum?: number
  buckets?: number[]
}

export class Snapshot {
  readonly metrics: { scope: string; metric: MetricData }[]

  constructor(result: CollectionResult) {
    if (result.errors.length > 0) throw new AggregateError(result.errors, 'collection errors')
    this.metrics = result.resourceMetrics.scopeMetrics.flatMap((s) =>
      s.metrics.map((metric) => ({ scope: s.scope.name, metric })),
    )
  }

  points(name: string): Point[] {
    return this.metrics
      .filter((m) => m.metric.descriptor.name === name)
      .flatMap(({ scope, metric }) => {
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          return metric.dataPoints.map((p) => ({
            scope,
            attributes: p.attributes,
            value: p.value.count,
            sum: p.value.sum,
            buckets: p.value.buckets.counts,
          }))
        }
        if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) return []
        return metric.dataPoints.map((p) => ({ scope, attributes: p.attributes, value: p.value }))
      })
  }

  /** Sum of the values of `name` whose attributes include every pair in `where`. */
  total(name: string, where: Attributes = {}): number {
    return this.points(name)
      .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
      .reduce((sum, p) => sum + p.value, 0)
  }
}
