/**
 * `node src/main.ts` as a real process: startup, the API's own Prometheus-format metrics endpoint,
 * graceful shutdown on SIGTERM, and the clear failure on bad configuration.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { type IncomingMessage, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { freePort } from '@feature-analytics/test-support/ports'
import { startRedis } from '@feature-analytics/test-support/redis'
import { Redis } from 'ioredis'
import { afterEach, expect, it } from 'vitest'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

const start = (env: Record<string, string>) => {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const lines: string[] = []
  let stderr = ''
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const logged = async (msg: string) => {
    const deadline = Date.now() + 20_000
    for (;;) {
      const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg)
      if (line) return line
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no "${msg}" log line; stderr: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { child, lines, logged, stderr: () => stderr }
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
  const { url, metrics, adoptionStore } = (await api.logged('listening')) as {
    url: string
    metrics: string
    adoptionStore: string
  }
  expect(metrics).toBe(`http://127.0.0.1:${metricsPort}/metrics`)
  expect(adoptionStore).toBe('memory')

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

it('refuses to start on bad configuration, naming the variable', async () => {
  const api = start({ PORT: 'not-a-port', LOG_LEVEL: 'chatty' })
  const [code] = await once(api.child, 'exit')
  expect(code).toBe(1)
  expect(api.stderr()).toContain('invalid configuration')
  expect(api.stderr()).toContain('PORT: expected a port number')
  expect(api.stderr()).toContain('LOG_LEVEL: ')
}, 30_000)

it('shares adoption counts through Redis when REDIS_URL is set, and refuses to start without it', async () => {
  const redis = await startRedis()
  try {
    const api = start({
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      SEED_DEMO: 'true',
      REDIS_URL: redis.url,
    })
    const { url, adoptionStore } = (await api.logged('listening')) as { url: string; adoptionStore: string }
    expect(adoptionStore).toBe('redis')
    const login = await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'demo-pro@example.com', password: 'demo-password' }),
    })
    const { token, user } = (await login.json()) as { token: string; user: { id: string } }
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
