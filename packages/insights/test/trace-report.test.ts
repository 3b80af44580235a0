/**
 * `npm run trace`'s clear errors: an unreachable Prometheus or Jaeger is named, with the cause, and
 * is not mistaken for a missing trace (TraceNotFoundError, which makes the report try the next
 * call). Real sockets on a free loopback port nobody listens on. The found and missing traces of a
 * real Jaeger are exercised by `npm run e2e`.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, it } from 'vitest'
import { fetchTrace, SourceError, TraceNotFoundError, traceReport } from '../src/index.ts'

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

it('names Prometheus when it cannot be reached', async () => {
  const prometheusUrl = `http://127.0.0.1:${await closedPort()}`
  const report = traceReport({
    prometheusUrl,
    jaegerUrl: `http://127.0.0.1:${await closedPort()}`,
    feature: 'report_export',
  })
  await expect(report).rejects.toThrow(SourceError)
  await expect(report).rejects.toThrow(new RegExp(`Prometheus at ${prometheusUrl}.*ECONNREFUSED`))
})

it('names Jaeger when it cannot be reached, not as a missing trace', async () => {
  const jaegerUrl = `http://127.0.0.1:${await closedPort()}`
  const traceId = '0af7651916cd43dd8448eb211c80319c'
  const down = fetchTrace(jaegerUrl, traceId)
  await expect(down).rejects.toThrow(SourceError)
  await expect(down).rejects.not.toThrow(TraceNotFoundError)
  await expect(down).rejects.toThrow(/ECONNREFUSED/)
})
