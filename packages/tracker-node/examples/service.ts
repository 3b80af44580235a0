import { METRICS } from '@feature-analytics/schema'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { DEFAULT_METRICS_PORT, MergeError, startTelemetry } from '@feature-analytics/tracker-node'

// OTLP export turns on when OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g. http://127.0.0.1:4318).
export const telemetry = startTelemetry({
  serviceName: 'saas-api',
  serviceVersion: '1.0.0',
  prometheusPort: Number(process.env.METRICS_PORT ?? DEFAULT_METRICS_PORT),
})
await telemetry.ready

// The fast path: the tracker records into FeatureAggregator, which every reader collects,
// and shares its tenant budget, so usage and browser clicks fold the same tenants into _other.
const tracker = createFeatureTracker({
  catalog: { report_export: { category: 'reporting' }, search: { category: 'discovery' } },
  recorder: telemetry.aggregator,
  tenantBudget: telemetry.aggregator.tenantBudget,
})
await tracker.trackFeatureUsed({
  feature: 'search',
  userId: 'u-1',
  tenantId: 'acme',
  plan: 'pro',
  durationMs: 12.5,
})

// Browser ingest: merge already-aggregated points; refuse (and count) what cannot merge exactly.
const attributes = {
  'feature.name': 'search',
  'ui.element': 'search-box',
  'user.plan': 'pro',
  'tenant.id': 'acme',
}
try {
  telemetry.aggregator.mergeSum(METRICS.click, attributes, 3)
  telemetry.aggregator.mergeSum(METRICS.click, { ...attributes, 'user.id': 'u-1' }, 1) // refused
} catch (error) {
  if (!(error instanceof MergeError)) throw error
  telemetry.aggregator.dropped(error.reason) // product.tracker.dropped{reason="unknown_attribute"}
}
// On SIGTERM/SIGINT, telemetry flushes and shuts down by itself; or call telemetry.shutdown().
