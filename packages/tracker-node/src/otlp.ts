import { OTLPMetricExporterBase } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http'
import { MetricsExporterMetricsHelper } from '@opentelemetry/otlp-transformer'
import { AggregationTemporality, type PushMetricExporter } from '@opentelemetry/sdk-metrics'
import type { SpanExporter } from '@opentelemetry/sdk-trace'
import { TelemetryConfigError } from './config-error.ts'
import {
  JsonMetricsWithExemplarsSerializer,
  ProtobufMetricsWithExemplarsSerializer,
} from './otlp-exemplars.ts'

export type OtlpProtocol = 'http/protobuf' | 'http/json'
type Signal = 'METRICS' | 'TRACES'

const env = (name: string): string | undefined => {
  const value = process.env[name]?.trim()
  return value ? value : undefined
}

/** The spec's order: code, then the signal's variable, then the general one, then http/protobuf. */
function protocolFor(signal: Signal, option: OtlpProtocol | undefined): OtlpProtocol {
  const protocol =
    option ?? env(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? env('OTEL_EXPORTER_OTLP_PROTOCOL')
  if (protocol === undefined) return 'http/protobuf'
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol
  throw new TelemetryConfigError(
    `OTLP protocol "${protocol}" is not supported here; use http/protobuf or http/json`,
  )
}

/**
 * Where a signal goes, or undefined for nowhere: with no endpoint configured we export nothing
 * rather than retry forever against a Collector that is not there. A URL from code names the
 * base (".../v1/metrics" is appended); URLs from OTEL_* variables are left to the exporter,
 * which applies the spec's rules for them.
 */
function destination(signal: Signal, base: string | undefined): { url?: string } | undefined {
  if (env(`OTEL_${signal}_EXPORTER`) === 'none') return undefined
  if (base !== undefined) return { url: `${base.replace(/\/+$/, '')}/v1/${signal.toLowerCase()}` }
  if (env(`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`) || env('OTEL_EXPORTER_OTLP_ENDPOINT')) return {}
  return undefined
}

export function otlpMetricExporter(base?: string, protocol?: OtlpProtocol): PushMetricExporter | undefined {
  const where = destination('METRICS', base)
  if (where === undefined) return undefined
  // Cumulative end to end: FeatureAggregator produces cumulative points, and Prometheus wants them.
  const config = { ...where, temporalityPreference: AggregationTemporality.CUMULATIVE }
  return metricExporterWithExemplars(config, protocolFor('METRICS', protocol))
}

/**
 * The upstream OTLP/HTTP metric exporter (its transport, retries, headers and OTEL_* handling) with
 * serializers that keep exemplars: the stock ones drop them (see otlp-exemplars.ts).
 */
export function metricExporterWithExemplars(
  config: ConstructorParameters<typeof OTLPMetricExporterBase>[1] & { url?: string },
  protocol: OtlpProtocol,
): PushMetricExporter {
  const json = protocol === 'http/json'
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions(config ?? {}, 'METRICS', 'v1/metrics', {
      'Content-Type': json ? 'application/json' : 'application/x-protobuf',
    }),
    json ? JsonMetricsWithExemplarsSerializer : ProtobufMetricsWithExemplarsSerializer,
    'otlp_http_metric_exporter',
    MetricsExporterMetricsHelper,
    undefined,
  )
  return new OTLPMetricExporterBase(delegate, config)
}

export function otlpTraceExporter(base?: string, protocol?: OtlpProtocol): SpanExporter | undefined {
  const where = destination('TRACES', base)
  if (where === undefined) return undefined
  return protocolFor('TRACES', protocol) === 'http/json'
    ? new JsonTraceExporter(where)
    : new ProtoTraceExporter(where)
}

/** OTEL_METRIC_EXPORT_INTERVAL, else 10 s: dashboards and end-to-end checks want fresh numbers. */
export function exportInterval(option: number | undefined): number {
  if (option !== undefined) return option
  const fromEnv = Number(env('OTEL_METRIC_EXPORT_INTERVAL'))
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 10_000
}
