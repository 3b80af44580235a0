import type { Attributes } from '@opentelemetry/api'
import { context, propagation } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { testReader } from './collect.ts'

export interface Point {
  name: string
  attributes: Attributes
  value: number
}

/**
 * Real metrics and tracing SDKs with in-memory exporters, async context across awaits, and W3C
 * trace context propagation (what startTelemetry registers).
 */
export function otel() {
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  const reader = testReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  const spans = new InMemorySpanExporter()
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  })

  return {
    meterProvider,
    tracer: tracerProvider.getTracer('test'),
    spans,
    /** Every data point, histograms as their count. */
    async points(): Promise<Point[]> {
      const { resourceMetrics, errors } = await reader.collect()
      if (errors.length > 0) throw new AggregateError(errors)
      return resourceMetrics.scopeMetrics.flatMap((s) =>
        s.metrics.flatMap((m) =>
          m.dataPointType === DataPointType.HISTOGRAM
            ? m.dataPoints.map((p) => ({
                name: m.descriptor.name,
                attributes: p.attributes,
                value: p.value.count,
              }))
            : m.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM
              ? []
              : m.dataPoints.map((p) => ({
                  name: m.descriptor.name,
                  attributes: p.attributes,
                  value: p.value,
                })),
        ),
      )
    },
    async shutdown() {
      await meterProvider.shutdown()
      await tracerProvider.shutdown()
      context.disable()
      propagation.disable()
    },
  }
}
