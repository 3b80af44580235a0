/**
 * Exemplars end in Prometheus's exemplar storage: our OTLP exporter (both protocols) straight into
 * a real Prometheus's OTLP receiver (`--enable-feature=exemplar-storage`, as the stack runs it),
 * then `/api/v1/query_exemplars` must return each exemplar with its trace id, span id, value and
 * tenant, on the latency bucket that holds the value. Prometheus comes from `bash scripts/provision`
 * (.stack/bin) or PROMETHEUS_BIN.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ATTR, PROMETHEUS_NAMES } from '@feature-analytics/schema'
import { freePort } from '@feature-analytics/test-support/ports'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTelemetry } from '../src/index.ts'

const BINARY =
  process.env.PROMETHEUS_BIN ?? fileURLToPath(new URL('../../../.stack/bin/prometheus', import.meta.url))

let prometheus: ChildProcess | undefined
let dir = ''
let url = ''

beforeAll(async () => {
  if (!existsSync(BINARY)) throw new Error(`no Prometheus at ${BINARY}: run \`bash scripts/provision\``)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  dir = await mkdtemp(join(tmpdir(), 'exemplars-prometheus-'))
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  // No scrape jobs: everything arrives over OTLP.
  await writeFile(join(dir, 'prometheus.yml'), 'global: {}\n')
  prometheus = spawn(
    BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-otlp-receiver',
      '--enable-feature=exemplar-storage',
    ],
    { stdio: 'ignore' },
  )
  for (
    let i = 0;
    !(await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 150) throw new Error(`Prometheus did not become ready at ${url}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}, 30_000)

afterAll(async () => {
  context.disable()
  prometheus?.kill('SIGTERM')
  if (dir) await rm(dir, { recursive: true, force: true })
})

interface ExemplarSeries {
  seriesLabels: Record<string, string>
  exemplars: { labels: Record<string, string>; value: string }[]
}

async function queryExemplars(query: string): Promise<ExemplarSeries[]> {
  const now = Date.now() / 1000
  const params = new URLSearchParams({ query, start: String(now - 600), end: String(now + 60) })
  const body = (await (await fetch(`${url}/api/v1/query_exemplars?${params}`)).json()) as {
    data: ExemplarSeries[]
  }
  return body.data
}

describe.each(['http/protobuf', 'http/json'] as const)('exemplars into Prometheus over %s', (protocol) => {
  it('come back from /api/v1/query_exemplars on the bucket of their value', { timeout: 20_000 }, async () => {
    const tenant = `acme-${protocol.replace('/', '-')}`
    const telemetry = startTelemetry({
      serviceName: 'exemplars-prometheus',
      otlpEndpoint: `${url}/api/v1/otlp`,
      otlpProtocol: protocol,
      registerGlobal: false,
      sampler: new AlwaysOnSampler(), // every request traced, so every one has an exemplar
      shutdownSignals: false,
      exportIntervalMillis: 3_600_000,
    })
    const tracker = createFeatureTracker({
      catalog: { report_export: { category: 'reporting' } },
      recorder: telemetry.aggregator,
    })
    const ids = await telemetry.tracerProvider.getTracer('test').startActiveSpan('export', async (span) => {
      await tracker.trackFeatureUsed({
        feature: 'report_export',
        userId: 'u-7',
        tenantId: tenant,
        plan: 'pro',
        durationMs: 730,
      })
      span.end()
      return span.spanContext()
    })
    await telemetry.shutdown()

    const selector = `${PROMETHEUS_NAMES.latency}_bucket{tenant_id=""}`
    let series: ExemplarSeries[] = []
    for (let i = 0; i < 50; i++) {
      series = (await queryExemplars(selector)).filter((s) =>
        s.exemplars.some((e) => e.labels.trace_id === ids.traceId),
      )
      if (series.length > 0) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(series).toHaveLength(1)
    expect(series[0]?.seriesLabels).toMatchObject({
      feature_name: 'report_export',
      user_plan: 'pro',
      le: '1000',
    })
    const exemplar = series[0]?.exemplars.find((e) => e.labels.trace_id === ids.traceId)
    expect(exemplar?.labels).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId })
    expect(Object.values(exemplar?.labels ?? {})).toContain(tenant)
    expect(Object.keys(exemplar?.labels ?? {})).not.toContain(ATTR.userId)
    expect(Number(exemplar?.value)).toBe(730)
  })
})
