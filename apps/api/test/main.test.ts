/**
 * `node src/main.ts` as a real process: startup, the API's own Prometheus-format metrics endpoint,
 * graceful shutdown on SIGTERM, and the clear failure on bad configuration.
 */
import { once } from 'node:events'
import { type IncomingMessage, request } from 'node:http'
import { otlpReceiver } from '@feature-analytics/test-support/otlp-receiver'
import { freePort } from '@feature-analytics/test-support/ports'
import { startRedis } from '@feature-analytics/test-support/redis'
import { Redis } from 'ioredis'
import { afterEach, expect, it } from 'vitest'
import { start, stopStarted } from './api-process.ts'

afterEach(stopStarted)

/** An API on ephemeral loopback ports with the demo accounts. */
const startDemo = (env: Record<string, string>) =>
  start({ PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', SEED_DEMO: 'true', ...env })

const loginDemo = async (url: string, email: string) => {
  const login = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo-password' }),
  })
  return (await login.json()) as { token: string; user: { id: string }; tenant: { id: string } }
}

it('serves the API and its Prometheus metrics, and shuts down cleanly on SIGTERM', async () => {
  const metricsPort = await freePort()
  const api = start({
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
    SEED_DEMO: 'true',
    LOG_LEVEL: 'info',
  })
  const { url, metrics, adoptionStore, store } = (await api.logged('listening')) as {
    url: string
    metrics: string
    adoptionStore: string
    store: string
  }
  expect(metrics).toBe(`http://127.0.0.1:${metricsPort}/metrics`)
  expect(adoptionStore).toBe('memory')
  // No DATABASE_URL: the embedded engine, with the same migrations as PostgreSQL.
  expect(store).toBe('embedded')

  const login = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'demo-enterprise@example.com', password: 'demo-password' }),
  })
  const { token, tenant } = (await login.json()) as { token: string; tenant: { id: string } }
  const created = await fetch(`${url}/api/sso`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ provider: 'okta', domain: 'enterprise.example' }),
  })
  expect(created.status).toBe(200)

  const exposition = await (await fetch(metrics)).text()
  const series = exposition
    .split('\n')
    .find((line) => line.startsWith('product_feature_usage_total{') && line.includes('sso_configure'))
  expect(series).toContain(`tenant_id="${tenant.id}"`)
  expect(series).toContain('user_plan="enterprise"')
  expect(series?.endsWith(' 1')).toBe(true)

  // A request the server has begun (it answered 100-continue) but whose body is still to come
  // when SIGTERM arrives is allowed to finish.
  const inFlight = request(`${url}/api/dashboards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, expect: '100-continue' },
  })
  const response = once(inFlight, 'response')
  inFlight.flushHeaders()
  await once(inFlight, 'continue')
  api.child.kill('SIGTERM')
  await api.logged('shutting down')
  inFlight.end('{"name":"Drained"}')
  const [res] = (await response) as [IncomingMessage]
  expect(res.statusCode).toBe(201)
  res.resume()
  const [code] = await once(api.child, 'exit')
  expect(code).toBe(0)
  expect(api.lines.some((line) => line.includes('"msg":"shutdown complete"'))).toBe(true)
  await expect(fetch(`${url}/healthz`)).rejects.toThrow()
}, 60_000)

it('flushes telemetry even when a slow client holds the drain past SHUTDOWN_TIMEOUT_MS', async () => {
  const receiver = await otlpReceiver()
  try {
    const api = startDemo({
      SHUTDOWN_TIMEOUT_MS: '3000',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // No periodic export before the end: only the shutdown flush can deliver these calls.
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
    })
    const { url } = (await api.logged('listening')) as { url: string }
    const { token } = await loginDemo(url, 'demo-pro@example.com')
    const calls = 44
    for (let i = 0; i < calls; i++) {
      const reply = await fetch(`${url}/api/search?q=slow`, { headers: { authorization: `Bearer ${token}` } })
      expect(reply.status).toBe(200)
    }
    // The slow client: headers sent, body never finished, so the drain cannot complete.
    const slow = request(`${url}/api/dashboards`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        expect: '100-continue',
      },
    })
    slow.on('error', () => {}) // the server cuts it off
    slow.flushHeaders()
    await once(slow, 'continue')
    slow.write('{"name":')
    const started = Date.now()
    api.child.kill('SIGTERM')
    const [code] = await once(api.child, 'exit')
    const tookMs = Date.now() - started
    expect(code).toBe(1) // a cut drain is not a clean shutdown
    expect(tookMs).toBeLessThan(3500)
    const search = receiver
      .points('product.feature.usage')
      .filter((p) => p.attributes['feature.name'] === 'search')
    expect(search.reduce((sum, p) => sum + p.value, 0)).toBe(calls)
    expect(api.lines.some((line) => line.includes('drain deadline passed'))).toBe(true)
    process.stdout.write(
      `shutdown past its deadline: exit ${code} after ${tookMs} ms, ${calls} calls flushed\n`,
    )
  } finally {
    await receiver.close()
  }
}, 60_000)

it('loses at most the last export interval of in-process aggregation on SIGKILL', async () => {
  const receiver = await otlpReceiver()
  const intervalMs = 1000
  try {
    const api = startDemo({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: String(intervalMs),
    })
    const { url } = (await api.logged('listening')) as { url: string }
    const { token } = await loginDemo(url, 'demo-pro@example.com')
    const search = async (n: number) => {
      for (let i = 0; i < n; i++)
        expect(
          (await fetch(`${url}/api/search?q=k`, { headers: { authorization: `Bearer ${token}` } })).status,
        ).toBe(200)
    }
    const exported = () =>
      receiver
        .points('product.feature.usage')
        .filter((p) => p.attributes['feature.name'] === 'search')
        .reduce((sum, p) => sum + p.value, 0)
    await search(30)
    // Past one full interval: the next export carries these 30.
    const deadline = Date.now() + 10_000
    while (exported() < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    const lastExportBefore = receiver.metrics.length
    await search(20)
    api.child.kill('SIGKILL')
    await once(api.child, 'exit')
    const got = exported()
    const exportsDuringLastCalls = receiver.metrics.length - lastExportBefore
    process.stdout.write(
      `SIGKILL: ${got} of 50 calls exported (export interval ${intervalMs} ms); the ${50 - got} lost were made after the last export\n`,
    )
    expect(got).toBeGreaterThanOrEqual(30)
    if (exportsDuringLastCalls === 0) expect(got).toBe(30)
  } finally {
    await receiver.close()
  }
}, 60_000)

it('exports a SERVER span per traced request with the feature attributes; user.id stays off metrics', async () => {
  const receiver = await otlpReceiver()
  try {
    const api = startDemo({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: '',
      OTEL_TRACES_SAMPLER_ARG: '',
    })
    const { url, traceSampling } = (await api.logged('listening')) as { url: string; traceSampling: string }
    expect(traceSampling).toBe('parentbased_traceidratio(0.1)')
    const { token, user, tenant } = await loginDemo(url, 'demo-pro@example.com')
    // The caller sampled this trace: the parent-based sampler follows it whatever the ratio.
    const traceId = '4bf92f3577b34e0ea8f1c2d3a1b0c9e8'
    const search = await fetch(`${url}/api/search?q=churn`, {
      headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    })
    expect(search.status).toBe(200)
    api.child.kill('SIGTERM') // flushes metrics and spans on the way out
    expect((await once(api.child, 'exit'))[0]).toBe(0)

    const spans = receiver.spans() as {
      name: string
      traceId: string
      spanId: string
      parentSpanId?: string
      kind: number
      attributes: { key: string; value: { stringValue?: string } }[]
    }[]
    const span = spans.find((s) => s.traceId === traceId && s.kind === 2) // SPAN_KIND_SERVER
    // The search's own work is inside it (under tracker-koa's feature.search span, timed like the
    // latency histogram): the trace shows where the time went.
    const feature = spans.find((s) => s.traceId === traceId && s.name === 'feature.search')
    const work = spans.find((s) => s.traceId === traceId && s.name === 'search.scan')
    expect(feature?.parentSpanId).toBe(span?.spanId)
    expect(work?.parentSpanId).toBe(feature?.spanId)
    expect(span?.name).toBe('GET /api/search')
    expect(span?.kind).toBe(2) // SPAN_KIND_SERVER
    const attributes = Object.fromEntries(span?.attributes.map((a) => [a.key, a.value.stringValue]) ?? [])
    expect(attributes).toMatchObject({
      'feature.name': 'search',
      'tenant.id': tenant.id,
      'user.plan': 'pro',
      'user.id': user.id,
    })
    // Every metric point that left the process: none carries user.id, as a key or as a value.
    const exported = JSON.stringify(receiver.metrics)
    expect(receiver.points('product.feature.usage').length).toBeGreaterThan(0)
    expect(exported).not.toContain('"user.id"')
    expect(exported).not.toContain(user.id)
  } finally {
    await receiver.close()
  }
}, 60_000)

it('starts when Redis answers its first PINGs late (stalled past the command timeout), and says it waited', async () => {
  const redis = await startRedis()
  try {
    // SIGSTOP: connections are accepted, nothing is answered, as on a machine too loaded to run
    // Redis for a while. One PING with its 1 s timeout gave up here and the replica exited.
    redis.stall()
    const api = start({ PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', REDIS_URL: redis.url })
    const resumed = new Promise((resolve) => setTimeout(resolve, 2500)).then(() => redis.resume())
    const { adoptionStore } = (await api.logged('listening')) as { adoptionStore: string }
    await resumed
    expect(adoptionStore).toBe('redis')
    expect(api.lines.join('\n')).toContain('Redis did not answer PING: trying again for up to 10s')
    api.child.kill('SIGTERM')
    expect((await once(api.child, 'exit'))[0]).toBe(0)
  } finally {
    redis.resume()
    await redis.stop()
  }
}, 60_000)

it('refuses to start on bad configuration, naming the variable', async () => {
  const api = start({ PORT: 'not-a-port', LOG_LEVEL: 'chatty' })
  const [code] = await once(api.child, 'exit')
  expect(code).toBe(1)
  expect(api.stderr()).toContain('invalid configuration')
  expect(api.stderr()).toContain('PORT: expected a port number')
  expect(api.stderr()).toContain('LOG_LEVEL: ')

  const sampler = start({ PORT: '0', METRICS_PORT: '0', OTEL_TRACES_SAMPLER: 'sometimes' })
  expect((await once(sampler.child, 'exit'))[0]).toBe(1)
  expect(sampler.stderr()).toContain('OTEL_TRACES_SAMPLER "sometimes" is not supported')
}, 30_000)

it('shares adoption counts through Redis when REDIS_URL is set, and refuses to start without it', async () => {
  const redis = await startRedis()
  try {
    const api = startDemo({ REDIS_URL: redis.url })
    const { url, adoptionStore } = (await api.logged('listening')) as { url: string; adoptionStore: string }
    expect(adoptionStore).toBe('redis')
    const { token, user } = await loginDemo(url, 'demo-pro@example.com')
    for (let i = 0; i < 3; i++) {
      const reply = await fetch(`${url}/api/search?q=churn`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(reply.status).toBe(200)
    }
    // The count is in Redis, where another replica would find it.
    const client = new Redis(redis.url)
    const count = await client.get(`feature-analytics:adoption:count:6:search:${user.id}`)
    await client.quit()
    expect(count).toBe('3')
    api.child.kill('SIGTERM')
    expect((await once(api.child, 'exit'))[0]).toBe(0)
  } finally {
    await redis.stop()
  }

  // A replica that cannot reach the shared store must not start and count stages on its own.
  const unreachable = `redis://127.0.0.1:${await freePort()}`
  const api = start({ PORT: '0', METRICS_PORT: '0', REDIS_URL: unreachable })
  const [code] = await once(api.child, 'exit')
  expect(code).toBe(1)
  expect(api.stderr() + api.lines.join('\n')).toContain('did not answer PING')
}, 60_000)
