/**
 * The real API in this process on an ephemeral loopback port, wired as main.ts wires it
 * (startTelemetry with the catalog's features, createApp), with the OpenTelemetry Prometheus
 * exporter's page served at /metrics of the same port instead of on METRICS_PORT.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp, FEATURE_NAMES } from '@feature-analytics/api/testing'
import { startTelemetry } from '@feature-analytics/tracker-node'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'

export interface TestApi {
  url: string
  metricsUrl: string
  close(): Promise<void>
}

export async function startTestApi(): Promise<TestApi> {
  let exporter: PrometheusExporter | undefined
  const telemetry = startTelemetry({
    serviceName: 'saas-api-test',
    aggregator: { features: FEATURE_NAMES },
    metricReaders: [
      (metricProducers) => {
        exporter = new PrometheusExporter({ preventServerStart: true, metricProducers })
        return exporter
      },
    ],
    registerGlobal: false,
    shutdownSignals: false,
  })
  const page = exporter as PrometheusExporter
  const handle = createApp({ aggregation: telemetry.aggregator }).callback()
  const server = createServer((req, res) =>
    req.url === '/metrics' ? page.getMetricsRequestHandler(req, res) : handle(req, res),
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    metricsUrl: `${url}/metrics`,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      await telemetry.shutdown()
    },
  }
}
