import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

interface KeyValue {
  key: string
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean }
}
interface JsonPoint {
  attributes?: KeyValue[]
  asInt?: string | number
  asDouble?: number
  count?: string | number
}
interface JsonMetric {
  name: string
  sum?: { dataPoints: JsonPoint[]; aggregationTemporality: number; isMonotonic?: boolean }
  histogram?: { dataPoints: JsonPoint[]; aggregationTemporality: number }
  gauge?: { dataPoints: JsonPoint[] }
}
interface MetricsRequest {
  resourceMetrics: {
    resource: { attributes: KeyValue[] }
    scopeMetrics: { scope: { name: string }; metrics: JsonMetric[] }[]
  }[]
}
interface TracesRequest {
  resourceSpans: { scopeSpans: { spans: { name: string; attributes?: KeyValue[] }[] }[] }[]
}

const attrs = (list: KeyValue[] = []) =>
  Object.fromEntries(
    list.map((kv) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? kv.value.boolValue]),
  )

/** A real OTLP/HTTP JSON endpoint on an ephemeral loopback port that keeps what it was sent. */
export async function otlpReceiver() {
  const metrics: MetricsRequest[] = []
  const traces: TracesRequest[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      if (req.url === '/v1/metrics') metrics.push(body)
      else if (req.url === '/v1/traces') traces.push(body)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    metrics,
    traces,
    /** Data points of `name` in the latest request (each request is cumulative), with plain attributes. */
    points(name: string) {
      const last = metrics.at(-1)
      return (last?.resourceMetrics ?? []).flatMap((rm) =>
        rm.scopeMetrics.flatMap((sm) =>
          sm.metrics
            .filter((m) => m.name === name)
            .flatMap((m) => (m.sum ?? m.histogram ?? m.gauge)?.dataPoints ?? [])
            .map((p) => ({
              attributes: attrs(p.attributes),
              value: Number(p.asInt ?? p.asDouble ?? p.count),
            })),
        ),
      )
    },
    metric(name: string) {
      const last = metrics.at(-1)
      return last?.resourceMetrics
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.name === name)
    },
    resource: () => attrs(metrics.at(-1)?.resourceMetrics[0]?.resource.attributes),
    spans: () => traces.flatMap((t) => t.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
