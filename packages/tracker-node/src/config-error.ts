/** startTelemetry was given options (or OTEL_* variables) it cannot honour. Thrown at setup only. */
export class TelemetryConfigError extends Error {
  override name = 'TelemetryConfigError'
}
