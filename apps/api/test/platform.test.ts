/** Health, readiness, routing errors, static frontend, config validation, and what logs may contain. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_AUTH_LIMITS } from '../src/auth/throttle.ts'
import { ConfigError, loadConfig } from '../src/config.ts'
import { startApi, type TestApi } from '../src/testing.ts'

describe('health and routing', () => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi()
  })
  afterAll(async () => {
    await api.close()
  })

  it('answers /healthz and /readyz, and readiness fails once shutdown starts', async () => {
    expect((await api.request('GET', '/healthz')).body).toEqual({ status: 'ok' })
    expect((await api.request('GET', '/readyz')).status).toBe(200)
    api.readiness.shuttingDown = true
    expect((await api.request('GET', '/readyz')).status).toBe(503)
    expect((await api.request('GET', '/healthz')).status).toBe(200)
    api.readiness.shuttingDown = false
  })

  it('answers unknown routes with a JSON 404 and wrong methods with 405', async () => {
    const missing = await api.request('GET', '/api/nope')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    const wrongMethod = await api.request('GET', '/api/dashboards')
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toContain('POST')
  })

  it('marks API responses no-store', async () => {
    expect((await api.request('GET', '/api/features')).headers.get('cache-control')).toBe('no-store')
  })

  it('never writes e-mails, passwords, tokens or user ids to the logs', async () => {
    const logsBefore = api.logs.length
    const email = 'secret.person@private.example'
    const password = 'hunter2 hunter2'
    const signup = await api.request('POST', '/api/signup', {
      body: { company: 'Quiet', name: 'Q', email, password, plan: 'pro' },
    })
    const token: string = signup.body.token
    const userId: string = signup.body.user.id
    await api.request('POST', '/api/login', { body: { email, password: 'wrong password' } })
    await api.request('POST', '/api/dashboards/x/share', { token, body: { email } })
    await api.request('GET', `/api/search?q=${encodeURIComponent(email)}`, { token })
    await api.request('GET', `/api/${encodeURIComponent(email)}`, { token })
    const logs = api.logs.join('\n')
    expect(api.logs.length).toBeGreaterThan(4)
    // Each of this test's five requests got its request line (not just lines left by earlier tests).
    expect(api.logs.slice(logsBefore).filter((line) => line.includes('"msg":"request"'))).toHaveLength(5)
    for (const secret of [email, password, token, userId]) expect(logs).not.toContain(secret)
    expect(logs).toContain('"route":"/api/dashboards/:id/share"')
  })
})

describe('static frontend', () => {
  it('serves the built web app at / with a same-origin CSP, and leaves /api alone', async () => {
    const dist = await mkdtemp(join(tmpdir(), 'web-dist-'))
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>demo</title>')
    const api = await startApi({ webDist: dist })
    try {
      const page = await api.request('GET', '/')
      expect(page.status).toBe(200)
      expect(page.body).toContain('<title>demo</title>')
      expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'")
      expect((await api.request('GET', '/api/features')).status).toBe(200)
      expect((await api.request('GET', '/api/index.html')).status).toBe(404)
    } finally {
      await api.close()
      await rm(dist, { recursive: true, force: true })
    }
  })

  it('runs without a built frontend', async () => {
    const api = await startApi({ webDist: join(tmpdir(), 'does-not-exist') })
    try {
      expect((await api.request('GET', '/')).status).toBe(404)
    } finally {
      await api.close()
    }
  })
})

describe('config', () => {
  it('has working defaults', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      metricsPort: 9464,
      seedDemo: true,
      logLevel: 'info',
    })
    expect(config.redisUrl).toBeUndefined()
  })

  it('names every bad variable, without echoing values that may be secrets', () => {
    const env = { PORT: 'eighty', REDIS_URL: 'http://user:s3cret@host', LOG_LEVEL: 'loud', INGEST_BURST: '0' }
    let error: unknown
    try {
      loadConfig(env)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    for (const name of Object.keys(env)) expect(message).toContain(`${name}: `)
    expect(message).not.toContain('s3cret')
  })

  it('reads the proxy, origin and abuse-limit settings, and refuses what is not an origin', () => {
    expect(loadConfig({})).toMatchObject({
      trustProxyHops: 0,
      allowedOrigins: [],
      authLimits: DEFAULT_AUTH_LIMITS,
    })
    expect(
      loadConfig({
        TRUST_PROXY: '1',
        ALLOWED_ORIGINS: 'https://app.example.com, http://127.0.0.1:8080',
        SIGNUP_MAX_PER_IP: '5',
      }),
    ).toMatchObject({
      trustProxyHops: 1,
      allowedOrigins: ['https://app.example.com', 'http://127.0.0.1:8080'],
      authLimits: { signupsPerIp: 5 },
    })
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://app.example.com/path' })).toThrow(
      /ALLOWED_ORIGINS: "https:\/\/app.example.com\/path" is not an origin/,
    )
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY: /)
  })

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '' })).toMatchObject({ port: 3000, redisUrl: undefined })
  })
})
