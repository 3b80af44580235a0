import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'

/**
 * The ports the stack and the apps use unless told otherwise, in one place: the Prometheus
 * exporter's own default, and OTLP over HTTP's standard port.
 */
export const DEFAULT_METRICS_PORT: number = PrometheusExporter.DEFAULT_OPTIONS.port
export const DEFAULT_OTLP_HTTP_PORT = 4318
