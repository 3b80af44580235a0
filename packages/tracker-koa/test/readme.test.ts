import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { METRICS } from '@feature-analytics/schema'
import { metrics } from '@opentelemetry/api'
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { afterAll, describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('README example', () => {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  })
  const meterProvider = new MeterProvider({ readers: [reader] })
  afterAll(() => meterProvider.shutdown())

  it('is examples/server.ts verbatim', () => {
    expect(read('../README.md')).toContain(`\`\`\`ts\n${read('../examples/server.ts')}\`\`\``)
  })

  it('serves tracked routes and records them into the global MeterProvider', async () => {
    metrics.setGlobalMeterProvider(meterProvider)
    process.env.PORT = '0'
    const { server } = await import('../examples/server.ts')
    await new Promise((resolve) =>
      server.listening ? resolve(undefined) : server.once('listening', resolve),
    )
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const headers = { 'x-user-id': 'u-1', 'x-tenant-id': 'acme' }
    expect((await fetch(`${base}/api/reports/export`, { method: 'POST', headers })).status).toBe(200)
    expect((await fetch(`${base}/api/search`, { headers })).status).toBe(400)
    await new Promise((resolve) => server.close(resolve))

    const { resourceMetrics } = await reader.collect()
    const usage = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === METRICS.usage)
      .flatMap((m) => (m.dataPointType === DataPointType.SUM ? m.dataPoints : []))
      .map((p) => [p.attributes['feature.name'], p.attributes['feature.outcome'], p.value])
    expect(usage.sort()).toEqual([
      ['report_export', 'success', 1],
      ['search', 'error', 1],
    ])
  })
})
