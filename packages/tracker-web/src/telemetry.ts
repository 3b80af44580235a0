/**
 * Starts metrics in the page: an SDK MeterProvider (installed as the global one) whose reader exports
 * deltas to the same-origin ingest every `exportIntervalMillis`, and whenever the page is hidden or
 * left, which on mobile may be the last chance to run any code at all.
 */
import { metrics } from '@opentelemetry/api'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { TrackerWebError } from './errors.ts'
import { SameOriginMetricExporter } from './exporter.ts'
import { endOpenSessions } from './instruments.ts'

export interface WebTelemetryOptions {
  /** Same-origin OTLP/JSON ingest. Default '/v1/metrics'. */
  endpoint?: string
  /** Default 15 000. */
  exportIntervalMillis?: number
  /** Largest body per request. Default 60 KiB, under the 64 KiB keepalive budget. */
  maxPayloadBytes?: number
  serviceName?: string
  fetch?: typeof fetch
}

export interface WebTelemetry {
  readonly meterProvider: MeterProvider
  readonly exporter: SameOriginMetricExporter
  /** Exports what was recorded so far. */
  flush(): Promise<void>
  /** Ends open feature sessions, flushes, and stops exporting. */
  shutdown(): Promise<void>
}

let started: WebTelemetry | undefined

export const startWebTelemetry = (options: WebTelemetryOptions = {}): WebTelemetry => {
  if (started)
    throw new TrackerWebError('startWebTelemetry was called already; use the WebTelemetry it returned')
  const exporter = new SameOriginMetricExporter({
    endpoint: options.endpoint ?? '/v1/metrics',
    ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: options.exportIntervalMillis ?? 15_000,
  })
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'web' }),
    readers: [reader],
  })
  metrics.setGlobalMeterProvider(meterProvider)

  const flush = () => reader.forceFlush()
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') void flush()
  }
  const onPageHide = () => {
    endOpenSessions()
    void flush()
  }
  const hasDom = typeof document !== 'undefined' && typeof addEventListener === 'function'
  if (hasDom) {
    document.addEventListener('visibilitychange', onVisibility)
    addEventListener('pagehide', onPageHide)
  }

  const telemetry: WebTelemetry = {
    meterProvider,
    exporter,
    flush,
    async shutdown() {
      if (hasDom) {
        document.removeEventListener('visibilitychange', onVisibility)
        removeEventListener('pagehide', onPageHide)
      }
      endOpenSessions()
      await meterProvider.shutdown()
      metrics.disable()
      started = undefined
    },
  }
  started = telemetry
  return telemetry
}
