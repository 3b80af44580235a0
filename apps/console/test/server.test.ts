/**
 * The console's server without a browser: configuration errors, the token, bad input at the HTTP
 * edge, and the embedded history's time axis over a real OpenTelemetry Prometheus exporter page.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ATTR, LATENCY_BUCKETS_MS, METRICS, UNITS } from '@feature-analytics/schema'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPrometheusPage } from '../../../packages/insights/test/prometheus-page.ts'
import type { PanelsResponse } from '../src/panels.ts'
import { createConsoleApp } from '../src/server/app.ts'
import { ConfigError, loadConfig } from '../src/server/config.ts'
import { MetricsHistory } from '../src/server/history.ts'
import { increase, latencyOverTime } from '../src/server/latency.ts'
import { slowestPerFeature } from '../src/server/prometheus.ts'
import { embeddedSource } from '../src/server/sources.ts'

const TOKEN = 'server-test-token-0123456789'

describe('configuration', () => {
  const base = { CONSOLE_TOKEN: TOKEN, METRICS_URL: 'http://127.0.0.1:9464/metrics' }

  it('binds loopback by default and refuses to start without a token or a source', () => {
    expect(loadConfig(base)).toMatchObject({ host: '127.0.0.1', port: 3020, pollMs: 5000, historySize: 720 })
    expect(() => loadConfig({ ...base, CONSOLE_TOKEN: undefined })).toThrow(/CONSOLE_TOKEN must be set/)
    expect(() => loadConfig({ ...base, CONSOLE_TOKEN: 'short' })).toThrow(ConfigError)
    expect(() => loadConfig({ CONSOLE_TOKEN: TOKEN })).toThrow(/no data source/)
    expect(() => loadConfig({ ...base, CONSOLE_PORT: 'eighty' })).toThrow(/CONSOLE_PORT must be an integer/)
    expect(() => loadConfig({ ...base, PROMETHEUS_URL: 'ftp://x' })).toThrow(
      /PROMETHEUS_URL: expected an http/,
    )
  })
})

describe('increase between snapshots', () => {
  const s = (le: string, value: number) => ({ labels: { feature_name: 'search', le }, value })
  it('takes differences, and a counter that went down as reset (counting from zero)', () => {
    expect(increase([s('5', 10), s('+Inf', 12)], [s('5', 15), s('+Inf', 20)]).map((x) => x.value)).toEqual([
      5, 8,
    ])
    expect(increase([s('5', 10), s('+Inf', 12)], [s('5', 3), s('+Inf', 4)]).map((x) => x.value)).toEqual([
      3, 4,
    ])
  })
})

describe('exemplars per feature', () => {
  it('keeps the first n of each feature from a slowest-first list', () => {
    const e = (feature: string, valueMs: number) => ({
      feature,
      valueMs,
      t: 0,
      traceId: 'ab',
      spanId: undefined,
    })
    const kept = [e('a', 9), e('b', 8), e('a', 7), e('a', 6), e('b', 5)].filter(slowestPerFeature(2))
    expect(kept.map((x) => `${x.feature}${x.valueMs}`)).toEqual(['a9', 'b8', 'a7', 'b5'])
  })
})

describe('the embedded source over a real exporter page', () => {
  let page: Awaited<ReturnType<typeof startPrometheusPage>>
  let history: MetricsHistory
  let server: Server
  let base: string

  beforeAll(async () => {
    page = await startPrometheusPage()
    history = new MetricsHistory({ urls: [page.url], maxPoints: 3, pollMs: 60_000 })
    server = createConsoleApp({
      token: TOKEN,
      source: embeddedSource(history),
      jaegerUrl: undefined,
      pageDir: '/nonexistent',
    }).listen(0, '127.0.0.1')
    await once(server, 'listening')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server?.close()
    await page?.close()
  })

  const get = (path: string, token = TOKEN) =>
    fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })

  it('answers 401 without the right token, 400 on bad input, 503 for traces without Jaeger', async () => {
    expect((await get('/healthz', '')).status).toBe(200)
    expect((await get('/api/panels', '')).status).toBe(401)
    const wrong = await get('/api/panels', 'x'.repeat(TOKEN.length))
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ error: { code: 'unauthorized' } })
    const badWindow = await get('/api/panels?window=17')
    expect(badWindow.status).toBe(400)
    expect(await badWindow.json()).toMatchObject({ error: { code: 'invalid_window' } })
    expect((await get('/api/traces/not-a-trace')).status).toBe(400)
    const noJaeger = await get(`/api/traces/${'ab'.repeat(16)}`)
    expect(noJaeger.status).toBe(503)
    expect((await noJaeger.json()).error.message).toContain('npm run stack:up')
  })

  it('says the API is unreachable before the first poll, then keeps a bounded time axis', async () => {
    const before = (await (await get('/api/panels')).json()) as PanelsResponse
    expect(before.usage).toMatchObject({ state: 'error', message: expect.stringMatching(/npm run demo/) })

    const meter = page.provider.getMeter('product.features')
    const latency = meter.createHistogram(METRICS.latency, {
      unit: UNITS.milliseconds,
      advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS_MS] },
    })
    const calls = (ms: number, n: number) => {
      for (let i = 0; i < n; i++) latency.record(ms, { [ATTR.featureName]: 'search', [ATTR.userPlan]: 'pro' })
    }
    calls(3, 100)
    await history.poll()
    calls(400, 100) // the calls between the first and second poll are slow
    await history.poll()
    calls(3, 10)
    await history.poll()
    // A one-poll window sees only the calls since the previous poll: slow, then fast again; a wide
    // one still holds the slow calls at the third poll.
    const slowP50 = (windowMs: number) =>
      latencyOverTime(history.points, windowMs)[0]?.points.map((p) => (p.p50 ?? 0) > 100)
    expect(latencyOverTime(history.points, 1)[0]?.feature).toBe('search')
    expect(slowP50(1)).toEqual([true, false])
    expect(slowP50(60_000)).toEqual([true, true])

    calls(3, 10)
    await history.poll() // a fourth poll: the first is dropped (maxPoints 3)
    expect(history.points).toHaveLength(3)
    expect(slowP50(1)).toEqual([false, false])

    const panels = (await (await get('/api/panels')).json()) as PanelsResponse
    expect(panels.source.history).toMatchObject({ points: 3, maxPoints: 3 })
    expect(panels.latency.state).toBe('ok')
    if (panels.latency.state !== 'ok') return
    // Since the API started: 100 fast and 100 slow calls plus 20 fast, so p50 is fast and p95 slow.
    const [row] = panels.latency.data.summary
    expect(row?.feature).toBe('search')
    expect(row?.p50).toBeLessThan(10)
    expect(row?.p95).toBeGreaterThan(250)
    expect(panels.latency.data.exemplars).toMatchObject({ state: 'unavailable' })
    expect(panels.traces).toMatchObject({
      state: 'unavailable',
      message: expect.stringContaining('stack:up'),
    })
  })
})
