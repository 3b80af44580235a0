import type { Attributes } from '@opentelemetry/api'
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  InMemoryMetricExporter,
  type MetricProducer,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'

/** A real periodic reader that a test collects from on demand (its timer never fires in a test). */
export const testReader = (metricProducers?: MetricProducer[]) =>
  new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
    metricProducers,
  })

const sortKeys = (a: Attributes) => Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)))

/**
 * Everything a collection says except timestamps and ordering (neither is part of the data: the
 * SDK orders scopes by meter creation and points by first use), so two paths can be compared.
 */
export function normalize(result: CollectionResult) {
  if (result.errors.length > 0) throw new AggregateError(result.errors)
  return result.resourceMetrics.scopeMetrics
    .flatMap(({ scope, metrics }) =>
      metrics.map((m) => ({
        scope: { name: scope.name, version: scope.version, schemaUrl: scope.schemaUrl },
        descriptor: m.descriptor,
        temporality: m.aggregationTemporality,
        type: m.dataPointType,
        monotonic: m.dataPointType === DataPointType.SUM ? m.isMonotonic : undefined,
        points: (m.dataPoints as { attributes: Attributes; value: unknown }[])
          .map((p) => ({ attributes: sortKeys(p.attributes), value: p.value }))
          .sort((x, y) => (JSON.stringify(x.attributes) < JSON.stringify(y.attributes) ? -1 : 1)),
      })),
    )
    .sort((x, y) => (x.descriptor.name < y.descriptor.name ? -1 : 1))
}
