/**
 * A real HTTP server on an ephemeral loopback port that records what the exporter posts, answering
 * with the statuses a test scripts. Used as the far end of the exporter, like the API's ingest.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'

export interface Received {
  path: string
  contentType: string | undefined
  cookie: string | undefined
  bytes: number
  body: OtlpRequest
}

export interface OtlpPoint {
  attributes: { key: string; value: { stringValue?: string } }[]
  asInt?: number | string
  asDouble?: number
  count?: number | string
  sum?: number
  bucketCounts?: (number | string)[]
  explicitBounds?: number[]
}
export interface OtlpMetric {
  name: string
  sum?: { aggregationTemporality: number; isMonotonic?: boolean; dataPoints: OtlpPoint[] }
  histogram?: { aggregationTemporality: number; dataPoints: OtlpPoint[] }
}
export interface OtlpRequest {
  resourceMetrics: { scopeMetrics: { scope: { name: string }; metrics: OtlpMetric[] }[] }[]
}

export interface TestCollector {
  url: string
  received: Received[]
  /** Statuses for the next requests, in order; then 200. */
  respondWith: { status: number; headers?: Record<string, string> }[]
  close(): Promise<void>
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export const startCollector = async (
  serveOther?: (req: IncomingMessage, res: import('node:http').ServerResponse) => boolean,
): Promise<TestCollector> => {
  const collector: TestCollector = { url: '', received: [], respondWith: [], close: async () => {} }
  const server: Server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/v1/metrics') {
      const body = await readBody(req)
      const reply = collector.respondWith.shift() ?? { status: 200 }
      if (reply.status === 200) {
        collector.received.push({
          path: req.url,
          contentType: req.headers['content-type'],
          cookie: req.headers.cookie,
          bytes: body.byteLength,
          body: JSON.parse(body.toString('utf8')) as OtlpRequest,
        })
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
      res.end(JSON.stringify({ partialSuccess: {} }))
      return
    }
    if (serveOther?.(req, res)) return
    res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  collector.url = `http://127.0.0.1:${address.port}`
  collector.close = async () => {
    server.closeAllConnections()
    server.close()
    await once(server, 'close')
  }
  return collector
}

/** All points of one metric across everything received. */
export const pointsOf = (received: readonly Received[], name: string): OtlpPoint[] =>
  received.flatMap((r) =>
    r.body.resourceMetrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) =>
        sm.metrics
          .filter((m) => m.name === name)
          .flatMap((m) => m.sum?.dataPoints ?? m.histogram?.dataPoints ?? []),
      ),
    ),
  )

export const attr = (point: OtlpPoint, key: string): string | undefined =>
  point.attributes.find((a) => a.key === key)?.value.stringValue
