import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { METRICS } from '@feature-analytics/schema'
import { otel } from '@feature-analytics/test-support/metrics'
import { metrics } from '@opentelemetry/api'
import { afterAll, describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('README example', () => {
  const env = otel()
  afterAll(() => env.shutdown())

  it('is examples/server.ts verbatim', () => {
    expect(read('../README.md')).toContain(`\`\`\`ts\n${read('../examples/server.ts')}\`\`\``)
  })

  it('serves tracked routes and records them into the global MeterProvider', async () => {
    metrics.setGlobalMeterProvider(env.meterProvider)
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

    const usage = (await env.points())
      .filter((p) => p.name === METRICS.usage)
      .map((p) => [p.attributes['feature.name'], p.attributes['feature.outcome'], p.value])
    expect(usage.sort()).toEqual([
      ['report_export', 'success', 1],
      ['search', 'error', 1],
    ])
  })
})
