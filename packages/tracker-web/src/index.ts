export { TrackerWebError } from './errors.ts'
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type SameOriginExporterOptions,
  SameOriginMetricExporter,
} from './exporter.ts'
export {
  createFeatureSession,
  endOpenSessions,
  type FeatureSession,
  trackFeatureClick,
} from './instruments.ts'
export { startWebTelemetry, type WebTelemetry, type WebTelemetryOptions } from './telemetry.ts'
