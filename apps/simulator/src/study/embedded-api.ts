/**
 * The sample API in this process, for the validation study: the real Koa app, tracker and
 * FeatureAggregator on the in-memory store, served on an ephemeral loopback port, with its
 * metrics read through the real OpenTelemetry Prometheus exporter (the same text an API's own
 * /metrics page serves). No child process and no Collector, so one seed costs only its requests.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { FeatureAggregator } from '@feature-analytics/tracker-node'
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { createApp } from '../../../api/src/app.ts'
import { DEFAULT_AUTH_LIMITS } from '../../../api/src/auth/throttle.ts'
import { FEATURE_NAMES } from '../../../api/src/catalog.ts'
import {
  MAX_CLICKS_PER_SESSION_WINDOW,
  MAX_VISITS_PER_SESSION_WINDOW,
} from '../../../api/src/ingest/session-budget.ts'

export interface EmbeddedApi {
  url: string
  /** The Prometheus text the API's /metrics page would serve now. */
  metricsText(): Promise<string>
  close(): Promise<void>
}

export async function startEmbeddedApi(): Promise<EmbeddedApi> {
  const aggregator = new FeatureAggregator({ features: FEATURE_NAMES })
  const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [aggregator] })
  const meterProvider = new MeterProvider({ readers: [exporter] })
  const serializer = new PrometheusSerializer()
  // Thousands of throwaway accounts: a cheap scrypt cost keeps password hashing (irrelevant to the
  // analysis, and about half the CPU at the default cost) from dominating the study's time.
  // The study plays a scenario's simulated weeks as fast as the API answers, so a busy session sends
  // in five wall-clock minutes what a person clicks in hours: the per-session budgets (a person's
  // pace per wall-clock window) are raised 100x so they refuse no simulated click. The per-user
  // request rate stays (the simulator waits out its 429s).
  const ingest = {
    ratePerSecond: 2,
    burst: 30,
    sessionClicks: 100 * MAX_CLICKS_PER_SESSION_WINDOW,
    sessionVisits: 100 * MAX_VISITS_PER_SESSION_WINDOW,
  }
  // Every tenant signs up from this one loopback address, which the per-IP sign-up limit (120 per
  // 10 minutes) is made to stop: a 200-tenant seed would wait out its window for minutes.
  const authLimits = { ...DEFAULT_AUTH_LIMITS, signupsPerIp: 1_000_000 }
  const app = createApp({
    aggregation: aggregator,
    options: { passwordCost: 1024, ingest, authLimits, featureWork: false },
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async metricsText() {
      const { resourceMetrics } = await exporter.collect()
      return serializer.serialize(resourceMetrics)
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await meterProvider.shutdown()
    },
  }
}
