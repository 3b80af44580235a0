/**
 * Stack mode against a real Prometheus: the same dataset is pushed over OTLP to Prometheus's OTLP
 * receiver (names translated as in production) and served on an app's own /metrics page; the
 * catalog's PromQL, run by Prometheus, and the embedded evaluator must give the same answers.
 *
 * Prometheus comes from the stack's provisioning (.stack/bin, `bash scripts/provision`) or
 * PROMETHEUS_BIN. Without it the test fails, naming the command that provisions it.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  CATALOG,
  collectInsights,
  compareLedger,
  type Insights,
  metricsEndpointSource,
  prometheusSource,
  SourceError,
} from '../src/index.ts'
import { DATASET_LEDGER, recordDataset } from './dataset.ts'
import { startPrometheusPage } from './prometheus-page.ts'
import {
  freePort,
  PROMETHEUS_BINARY,
  type PrometheusServer,
  prometheusAvailable,
  startPrometheus,
} from './prometheus-server.ts'

let prometheus: PrometheusServer | undefined
let url = ''
let page: Awaited<ReturnType<typeof startPrometheusPage>> | undefined

beforeAll(async () => {
  if (!prometheusAvailable) return
  prometheus = await startPrometheus()
  url = prometheus.url
  page = await startPrometheusPage([
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${url}/api/v1/otlp/v1/metrics` }),
      exportIntervalMillis: 60_000,
    }),
  ])
  recordDataset(page.provider)
  await page.provider.forceFlush()
}, 30_000)

afterAll(async () => {
  await page?.close()
  await prometheus?.stop()
})

// Only Prometheus can name traces (exemplars); this dataset has none, so the rows still agree.
const withoutSource = ({ source: _, exemplars: __, ...rest }: Insights) => rest

it('Prometheus and the embedded evaluator give the same insights', async () => {
  expect(
    prometheusAvailable,
    `no Prometheus binary at ${PROMETHEUS_BINARY}: run bash scripts/provision`,
  ).toBe(true)
  const stack = prometheusSource(url)
  let fromPrometheus = await collectInsights(stack)
  // The OTLP write is acknowledged before the head block is queryable; give it a moment.
  for (let i = 0; fromPrometheus.usage.length === 0 && i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    fromPrometheus = await collectInsights(stack)
  }
  const embedded = await collectInsights(await metricsEndpointSource(page?.url ?? ''))
  expect(fromPrometheus.usage.length).toBeGreaterThan(0)
  expect(withoutSource(fromPrometheus)).toEqual(withoutSource(embedded))
  expect(await compareLedger(DATASET_LEDGER, stack)).toEqual({ checked: 8, mismatches: [] })
  // An unreachable Prometheus is a clear error naming the query, not an empty answer.
  const down = prometheusSource(`http://127.0.0.1:${await freePort()}`)
  await expect(down.query(CATALOG.upgrades.expr)).rejects.toThrow(SourceError)
  await expect(down.query(CATALOG.upgrades.expr)).rejects.toThrow(/product_plan_change_total.*ECONNREFUSED/)
})
