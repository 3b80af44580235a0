/**
 * A service that already starts OpenTelemetry with sdk-node's NodeSDK, and keeps it: feature
 * analytics is three additions to what it has. NodeSDK still owns the tracer provider, the trace
 * exporter and the sampler (from OTEL_* as usual), the context manager and the W3C propagators.
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 node examples/nodesdk-service.ts
 */
import type { AddressInfo } from 'node:net'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { featureTracking, serverSpan } from '@feature-analytics/tracker-koa'
import {
  FeatureAggregator,
  metricExporterWithExemplars,
  PooledRandomIdGenerator,
  schemaViews,
} from '@feature-analytics/tracker-node'
import { Router } from '@koa/router'
import { AggregationTemporality, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { NodeSDK } from '@opentelemetry/sdk-node'
import Koa from 'koa'

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318'

// 1. The aggregator, on the metric reader NodeSDK is given, as a metricProducer. The exporter is
//    the upstream OTLP/HTTP one with serializers that keep the aggregator's exemplars (trace ids of
//    sampled requests on latency and usage points); the stock serializers drop them.
const aggregator = new FeatureAggregator()
const sdk = new NodeSDK({
  serviceName: 'billing-service',
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: metricExporterWithExemplars(
        {
          url: `${endpoint}/v1/metrics`,
          temporalityPreference: AggregationTemporality.CUMULATIVE,
        },
        'http/protobuf',
      ),
      metricProducers: [aggregator.producer()],
      exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? 10_000),
    }),
  ],
  // The schema's bucket boundaries and cardinality limits, for any instrument the SDK aggregates.
  views: schemaViews(),
  // Cheaper ids: every request's server span gets two, sampled or not.
  idGenerator: new PooledRandomIdGenerator(),
})
sdk.start()

// 2. The tracker records into the aggregator.
const tracker = createFeatureTracker({
  catalog: { invoice_export: { category: 'billing' } },
  recorder: aggregator,
})

// 3. tracker-koa: a server span per request (sampled by NodeSDK's sampler), and trackFeature.
const trackFeature = featureTracking(tracker)
const app = new Koa()
app.use(serverSpan())
app.use(async (ctx, next) => {
  // Your authentication goes here; the tracker wants the user, the tenant and the plan.
  ctx.state.user = { userId: 'u-42', tenantId: 'acme', plan: 'pro' }
  await next()
})
const router = new Router()
router.post('/api/invoices/export', trackFeature('invoice_export'), (ctx) => {
  ctx.body = { exported: true }
})
app.use(router.routes())

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
process.once('SIGTERM', () => {
  server.close(() => void sdk.shutdown().then(() => process.exit(0)))
})
