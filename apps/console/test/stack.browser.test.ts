/**
 * The console on the stack's sources, for real: Prometheus (OTLP receiver, exemplar storage) and
 * Jaeger (v2, memory storage), each on free loopback ports. A trace goes to Jaeger over OTLP, and
 * latency histograms with an exemplar naming that trace go to Prometheus over OTLP/JSON, as our
 * aggregator sends them through the Collector. In Chromium the latency chart must draw p50/p95/p99
 * from range queries and the exemplar as a dot; clicking the dot must show the span tree of the
 * trace with the same id, fetched from Jaeger through the console. Stopping Jaeger must turn the
 * trace panel into a message saying what to start.
 *
 * `UPDATE_SCREENSHOT=1` also writes docs/console-stack.png (the trace panel open).
 *
 * Binaries: PROMETHEUS_BIN / JAEGER_BIN, else the stack's .stack/bin, else the provisioning cache.
 * Without them the test fails, naming `bash scripts/provision`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ATTR, LATENCY_BUCKETS_MS, METRICS } from '@feature-analytics/schema'
import { freePort } from '@feature-analytics/simulator'
import { launchChromium } from '@feature-analytics/test-support/chromium'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPage } from '../build.ts'
import { createConsoleApp } from '../src/server/app.ts'
import { PrometheusClient } from '../src/server/prometheus.ts'
import { prometheusDataSource } from '../src/server/sources.ts'
import { openConsole } from './open-console.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TOKEN = 'stack-console-test-token-0123'

/** An env override, the stack's link, or the newest build in the provisioning cache. */
function binary(name: string, env: string | undefined): string {
  if (env) return env
  const linked = join(ROOT, '.stack/bin', name)
  if (existsSync(linked)) return linked
  const cache = join(homedir(), '.cache/feature-analytics/bin')
  const cached = existsSync(cache)
    ? readdirSync(cache)
        .filter((f) => f.startsWith(`${name}-v`))
        .sort()
    : []
  const newest = cached.at(-1)
  if (newest) return join(cache, newest)
  throw new Error(`${name} not found: run bash scripts/provision (or set ${name.toUpperCase()}_BIN)`)
}

const children: ChildProcess[] = []
let dir = ''
let prometheusUrl = ''
let jaegerUrl = ''
let jaegerOtlp = ''
let jaeger: ChildProcess
let server: Server
let consoleUrl = ''
let browser: Browser

const TRACE_ID = '5b8efff798038103d269b633813fc60c'
const ROOT_SPAN = 'eee19b7ec3c1b174'
const CHILD_SPAN = 'eee19b7ec3c1b175'

async function waitFor(url: string, what: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`)
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what} did not answer at ${url}`)
}

const start = (command: string, args: string[], env: Record<string, string> = {}) => {
  const child = spawn(command, args, { stdio: 'ignore', env: { ...process.env, ...env } })
  children.push(child)
  return child
}

async function startJaeger(): Promise<void> {
  const [query, grpc, health, otlp] = await Promise.all([freePort(), freePort(), freePort(), freePort()])
  jaegerUrl = `http://127.0.0.1:${query}`
  jaegerOtlp = `http://127.0.0.1:${otlp}`
  const config = join(dir, 'jaeger.yaml')
  await writeFile(
    config,
    `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces: { receivers: [otlp], processors: [], exporters: [jaeger_storage_exporter] }
  telemetry: { metrics: { level: none }, logs: { level: warn } }
extensions:
  jaeger_storage: { backends: { memstore: { memory: { max_traces: 1000 } } } }
  jaeger_query:
    storage: { traces: memstore }
    enable_tracing: false
    http: { endpoint: 127.0.0.1:${query} }
    grpc: { endpoint: 127.0.0.1:${grpc} }
  healthcheckv2: { use_v2: true, http: { endpoint: 127.0.0.1:${health} } }
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${otlp} } } }
exporters:
  jaeger_storage_exporter: { trace_storage: memstore }
`,
  )
  jaeger = start(binary('jaeger', process.env.JAEGER_BIN), ['--config', config])
  await waitFor(`${jaegerUrl}/api/services`, 'Jaeger', jaeger)
}

const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`
const attributes = (values: Record<string, string>) =>
  Object.entries(values).map(([key, value]) => ({ key, value: { stringValue: value } }))

/** OTLP/JSON, as the Collector's otlphttp exporter would send it (hex ids, cumulative). */
async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status, `${url}: ${await response.clone().text()}`).toBe(200)
}

async function sendTrace(endMs: number): Promise<void> {
  const span = (spanId: string, parentSpanId: string, name: string, startMs: number, durationMs: number) => ({
    traceId: TRACE_ID,
    spanId,
    parentSpanId,
    name,
    kind: parentSpanId ? 1 : 2,
    startTimeUnixNano: nanos(startMs),
    endTimeUnixNano: nanos(startMs + durationMs),
    attributes: attributes({
      [ATTR.featureName]: 'report_export',
      [ATTR.tenantId]: 't-7',
      [ATTR.userPlan]: 'pro',
    }),
  })
  await post(`${jaegerOtlp}/v1/traces`, {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': 'saas-api' }) },
        scopeSpans: [
          {
            scope: { name: 'console-test' },
            spans: [
              span(ROOT_SPAN, '', 'POST /api/reports/export', endMs - 420, 420),
              span(CHILD_SPAN, ROOT_SPAN, 'report_export.render', endMs - 410, 400),
            ],
          },
        ],
      },
    ],
  })
}

/** Five cumulative points 30 s apart; the last one carries the exemplar of the slow call. */
async function sendLatency(nowMs: number): Promise<void> {
  const bounds = [...LATENCY_BUCKETS_MS]
  const startMs = nowMs - 200_000
  for (let i = 0; i < 5; i++) {
    const t = nowMs - (4 - i) * 30_000
    const fast = 20 * (i + 1) // calls of ~7 ms so far
    const slow = i === 4 ? 1 : 0 // and the one slow call
    const bucketCounts = bounds.map(() => '0').concat('0')
    bucketCounts[bounds.indexOf(10)] = String(fast)
    bucketCounts[bounds.indexOf(500)] = String(slow)
    await post(`${prometheusUrl}/api/v1/otlp/v1/metrics`, {
      resourceMetrics: [
        {
          resource: {
            attributes: attributes({ 'service.name': 'saas-api', 'service.instance.id': 'api-1' }),
          },
          scopeMetrics: [
            {
              scope: { name: 'product.features' },
              metrics: [
                {
                  name: METRICS.latency,
                  unit: 'ms',
                  histogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      {
                        attributes: attributes({
                          [ATTR.featureName]: 'report_export',
                          [ATTR.userPlan]: 'pro',
                        }),
                        startTimeUnixNano: nanos(startMs),
                        timeUnixNano: nanos(t),
                        count: String(fast + slow),
                        sum: fast * 7 + slow * 420,
                        bucketCounts,
                        explicitBounds: bounds,
                        exemplars:
                          slow > 0
                            ? [
                                {
                                  timeUnixNano: nanos(t - 1000),
                                  asDouble: 420,
                                  traceId: TRACE_ID,
                                  spanId: ROOT_SPAN,
                                },
                              ]
                            : [],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    })
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-stack-'))
  const port = await freePort()
  prometheusUrl = `http://127.0.0.1:${port}`
  const prometheus = start(binary('prometheus', process.env.PROMETHEUS_BIN), [
    `--config.file=${join(ROOT, 'prometheus/prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prometheus')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-otlp-receiver',
    '--enable-feature=exemplar-storage',
  ])
  await Promise.all([waitFor(`${prometheusUrl}/-/ready`, 'Prometheus', prometheus), startJaeger()])
  const now = Date.now()
  await Promise.all([sendTrace(now - 1000), sendLatency(now)])

  const pageDir = await buildPage(join(dir, 'page'))
  const source = prometheusDataSource(new PrometheusClient(prometheusUrl), jaegerUrl)
  server = createConsoleApp({ token: TOKEN, source, jaegerUrl, pageDir }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  consoleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  server?.closeAllConnections()
  server?.close()
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)))
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('insights console on Prometheus and Jaeger', () => {
  it('draws latency from range queries with an exemplar dot that opens its span tree', async () => {
    const { page, errors } = await openConsole(browser, consoleUrl, TOKEN)

    await page.waitForSelector('#panel-latency[data-state="ok"] .chart canvas')
    expect(await page.isVisible('#window-picker')).toBe(true)
    expect(await page.inputValue('#latency-feature')).toBe('report_export')
    await page.waitForSelector('#panel-latency[data-exemplar-dots*="traceId"]')
    const dots = JSON.parse((await page.getAttribute('#panel-latency', 'data-exemplar-dots')) ?? '[]') as {
      traceId: string
      at: [number, number]
    }[]
    expect(dots.map((d) => d.traceId)).toEqual([TRACE_ID])
    const box = await page.$eval('#panel-latency .chart', (el) => {
      const r = el.getBoundingClientRect()
      return { x: r.x, y: r.y }
    })
    const [x, y] = dots[0]?.at ?? [0, 0]
    await page.mouse.click(box.x + x, box.y + y)

    await page.waitForSelector('#panel-traces[data-state="ok"] table')
    expect(await page.textContent('#panel-traces caption')).toBe(`trace ${TRACE_ID}`)
    const spans = await page.$$eval('#panel-traces tbody tr', (rows) =>
      rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    )
    expect(spans.map((row) => [row[0], row[1], row[3]])).toEqual([
      ['POST /api/reports/export', 'saas-api', '420.00'],
      ['report_export.render', 'saas-api', '400.00'],
    ])
    expect(spans[0]?.[5]).toContain('feature.name=report_export')
    if (process.env.UPDATE_SCREENSHOT) {
      await page.screenshot({ path: join(ROOT, 'docs/console-stack.png'), fullPage: true })
    }

    // The numbers behind the chart: the range query's p99 reaches the slow call's bucket.
    await page.click('#panel-latency .toggle')
    const overTime = await page.$$eval('#panel-latency .table table:nth-of-type(1) tbody tr', (rows) =>
      rows.map((row) => Number(row.querySelectorAll('td')[3]?.textContent)),
    )
    expect(Math.max(...overTime)).toBeGreaterThan(250)
    expect(errors).toEqual([])

    // Jaeger gone: the trace panel says what to start instead of failing.
    jaeger.kill('SIGTERM')
    await once(jaeger, 'exit')
    await page.reload()
    await page.waitForSelector('#panel-traces[data-state="error"]')
    expect(await page.textContent('#panel-traces .message')).toContain('npm run stack:up')
    await page.close()
  })
})
