/**
 * One collection of what an app recorded through the real SDK (a testReader with the app's
 * FeatureAggregator as its metric producer), queried by metric name and attributes.
 */
import type { DataPoint, Histogram, MetricReader, ResourceMetrics } from '@opentelemetry/sdk-metrics'

type Attrs = Record<string, string>

const matches = (attributes: Record<string, unknown>, wanted: Attrs) =>
  Object.entries(wanted).every(([key, value]) => attributes[key] === value)

/** One collection, queried by metric name and a subset of attributes. */
export class MetricsSnapshot {
  readonly #metrics: ResourceMetrics

  constructor(metrics: ResourceMetrics) {
    this.#metrics = metrics
  }

  points(name: string, wanted: Attrs = {}): DataPoint<unknown>[] {
    return this.#metrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[])
      .filter((point) => matches(point.attributes, wanted))
  }

  /** Sum of counter values over the matching series (0 when there is none). */
  sum(name: string, wanted: Attrs = {}): number {
    return this.points(name, wanted).reduce((total, point) => total + (point.value as number), 0)
  }

  /** Histogram sample count over the matching series. */
  count(name: string, wanted: Attrs = {}): number {
    return this.points(name, wanted).reduce((total, point) => total + (point.value as Histogram).count, 0)
  }

  histograms(name: string, wanted: Attrs = {}): Histogram[] {
    return this.points(name, wanted).map((point) => point.value as Histogram)
  }
}

export const snapshot = async (reader: MetricReader): Promise<MetricsSnapshot> => {
  const { resourceMetrics, errors } = await reader.collect()
  if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed')
  return new MetricsSnapshot(resourceMetrics)
}
