/**
 * A real OpenTelemetry pipeline for tests: SDK MeterProvider -> PrometheusExporter, served on an
 * ephemeral loopback port through the exporter's own request handler.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { type IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics'

export async function startPrometheusPage(moreReaders: IMetricReader[] = []) {
  const exporter = new PrometheusExporter({ preventServerStart: true })
  const provider = new MeterProvider({ readers: [exporter, ...moreReaders] })
  const server = createServer((req, res) => exporter.getMetricsRequestHandler(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    provider,
    url: `http://127.0.0.1:${port}/metrics`,
    async close() {
      server.close()
      await provider.shutdown()
    },
  }
}
