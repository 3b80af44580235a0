/**
 * examples/nodesdk-service.ts as a real process, exporting to the real Collector (debug exporter):
 * a service that keeps its NodeSDK gets the feature metrics from the aggregator, exemplars on them,
 * and its request spans with the feature attributes, all decoded by the Collector itself.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { type DebugCollector, debugCollector, parseDebugExemplars } from './collector.ts'

const EXAMPLE = fileURLToPath(new URL('../examples/nodesdk-service.ts', import.meta.url))
let collector: DebugCollector | undefined
let service: ChildProcess | undefined

afterAll(async () => {
  if (service && service.exitCode === null) service.kill('SIGKILL')
  await collector?.close()
})

it('exports feature metrics with exemplars, and the request spans, through NodeSDK', async () => {
  collector = await debugCollector()
  service = spawn(process.execPath, [EXAMPLE], {
    env: {
      ...process.env,
      PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [line] = (await once(service.stdout as NodeJS.ReadableStream, 'data')) as [Buffer]
  const url = /listening (\S+)/.exec(line.toString())?.[1]
  expect(url).toBeDefined()
  for (let i = 0; i < 3; i++) {
    expect((await fetch(`${url}/api/invoices/export`, { method: 'POST' })).status).toBe(200)
  }
  service.kill('SIGTERM') // the example shuts NodeSDK down, which flushes metrics and spans
  expect((await once(service, 'exit'))[0]).toBe(0)

  await collector.waitFor('-> Name: product.feature.usage')
  await collector.waitFor(/Name\s+: POST \/api\/invoices\/export/)
  const output = collector.output()
  expect(output).toMatch(/service\.name: Str\(billing-service\)/)
  expect(output).toMatch(/-> feature\.name: Str\(invoice_export\)/)
  expect(output).toMatch(/-> user\.id: Str\(u-42\)/) // on the span

  const exemplars = parseDebugExemplars(output).filter((e) => e.metric === 'product.feature.latency')
  expect(exemplars.length).toBeGreaterThan(0)
  const spanTraceIds = [...output.matchAll(/Trace ID\s+: ([0-9a-f]{32})/g)].map((m) => m[1])
  for (const exemplar of exemplars) {
    expect(spanTraceIds).toContain(exemplar.traceId) // each exemplar is one of the exported requests
    expect(Object.values(exemplar.attributes)).not.toContain('u-42')
  }
}, 60_000)
