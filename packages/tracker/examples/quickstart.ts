import { createFeatureTracker } from '@feature-analytics/tracker'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'

// Any OpenTelemetry SDK works; in a service you would export over OTLP instead.
const reader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
})
const meterProvider = new MeterProvider({ readers: [reader] })

export const stages: string[] = []
const tracker = createFeatureTracker({
  catalog: { report_export: { category: 'reporting' }, search: { category: 'discovery' } },
  meterProvider,
  onStageReached: ({ feature, stage }) => {
    stages.push(`${feature}:${stage}`)
  },
})

const user = { userId: 'u-42', tenantId: 'acme', plan: 'pro' } as const
for (let i = 0; i < 3; i++) {
  await tracker.trackFeatureUsed({ ...user, feature: 'report_export', durationMs: 87 })
}
await tracker.trackFeatureUsed({ ...user, feature: 'teleport' }) // refused: counted as unknown_feature

const session = tracker.startFeatureSession('search', user)
session.end()
await tracker.trackPlanChange({ tenantId: 'acme', from: 'pro', to: 'enterprise' })

const { resourceMetrics } = await reader.collect()
export const totals: Record<string, number> = {}
for (const { metrics } of resourceMetrics.scopeMetrics) {
  for (const metric of metrics) {
    for (const point of metric.dataPoints) {
      const value = typeof point.value === 'number' ? point.value : point.value.count
      totals[metric.descriptor.name] = (totals[metric.descriptor.name] ?? 0) + value
    }
  }
}
// stages: report_export:discovered, report_export:activated
// totals: usage 3, latency 3, dropped 1, plan.change 1, upgrade.prior_usage 1, active_users 0
await meterProvider.shutdown()
