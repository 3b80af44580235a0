/**
 * Windows across a restart, against a real Prometheus with the stack's flags: an API process
 * counts 10 decisions, stops (flushing), and a new process with the same identity counts 4 more.
 * Totals then show only the second life, plain increase() extrapolates past the true count, and
 * the report's windowed query (increase ... anchored over zero-started series) gives exactly 14.
 */

import { ATTR, METRICS, UNITS } from '@feature-analytics/schema'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CATALOG, instantQuery, prometheusSource, toPromQL } from '../src/index.ts'
import { type PrometheusServer, prometheusAvailable, startPrometheus } from './prometheus-server.ts'

// What scripts/stack/components.ts (PROMETHEUS_FEATURE_FLAGS) and docker-compose.yml switch on.
const WINDOW_FLAGS = [
  '--enable-feature=created-timestamp-zero-ingestion',
  '--enable-feature=promql-extended-range-selectors',
]

let prometheus: PrometheusServer | undefined

beforeAll(async () => {
  if (prometheusAvailable) prometheus = await startPrometheus(WINDOW_FLAGS)
}, 30_000)

afterAll(() => prometheus?.stop())

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One process life: adds `steps` decisions one export interval apart, then shuts down (flushing). */
async function life(url: string, steps: readonly number[]): Promise<void> {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${url}/api/v1/otlp/v1/metrics` }),
    exportIntervalMillis: 500,
  })
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'saas-api', 'service.instance.id': 'api-2' }),
  })
  const counter = provider
    .getMeter('product.adoption')
    .createCounter(METRICS.billingDecision, { unit: UNITS.count })
  for (const n of steps) {
    counter.add(n, { [ATTR.userPlan]: 'pro', [ATTR.billingDecision]: 'renewal' })
    await sleep(600)
  }
  await provider.shutdown()
}

it('counts both lives of a restarted process exactly once, over a window', async () => {
  expect(prometheusAvailable, 'no Prometheus binary: run bash scripts/provision').toBe(true)
  const url = prometheus?.url as string
  const started = Date.now()
  await life(url, [5, 3, 2])
  await sleep(700)
  await life(url, [2, 2])
  await sleep(300)
  const seconds = Math.ceil((Date.now() - started) / 1000) + 30
  const expr = CATALOG.billingDecisions.expr

  const totals = await prometheusSource(url).query(expr)
  expect(totals[0]?.value, 'totals keep only the second life').toBe(4)
  const plain = await instantQuery(url, toPromQL(expr, seconds).replace(' anchored', ''))
  expect(plain[0]?.value, 'plain increase() extrapolates').not.toBe(14)
  const windowed = await prometheusSource(url, { seconds }).query(expr)
  expect(windowed).toEqual([{ labels: { user_plan: 'pro', billing_decision: 'renewal' }, value: 14 }])
}, 60_000)
