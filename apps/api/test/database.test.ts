/**
 * The API on a real PostgreSQL, as processes: two replicas sharing one database, the database
 * missing at startup, the database going away under a running API and coming back, and the
 * database's constraints answered as clear 4xx.
 */
import { once } from 'node:events'
import { afterEach, expect, it } from 'vitest'
import { type StartedApi, start, stopStarted } from './api-process.ts'
import { freePort, usePostgres } from './postgres-server.ts'

const postgres = usePostgres()
afterEach(stopStarted)

const replica = async (databaseUrl: string, seedDemo = false): Promise<{ api: StartedApi; url: string }> => {
  const api = start({
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    SEED_DEMO: String(seedDemo),
    DATABASE_URL: databaseUrl,
  })
  const { url, store } = (await api.logged('listening')) as { url: string; store: string }
  expect(store).toBe('postgres')
  return { api, url }
}

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies field by field
type Body = any

const call = async (
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Body; headers: Headers }> => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers }
}

const signup = (url: string, email: string, plan = 'enterprise') =>
  call(url, 'POST', '/api/signup', undefined, {
    company: 'Acme',
    name: 'Pat',
    email,
    password: 'correct horse battery',
    plan,
  })

it('refuses to start when the database cannot be reached, without echoing the URL', async () => {
  const api = start({
    PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: `postgres://postgres:s3cret-pw@127.0.0.1:${await freePort()}/postgres`,
  })
  const [code] = await once(api.child, 'exit')
  expect(code).toBe(1)
  const output = api.stderr() + api.lines.join('\n')
  expect(output).toContain('cannot open the database')
  expect(output).toContain('PostgreSQL at DATABASE_URL could not be opened and migrated')
  expect(output).not.toContain('s3cret-pw')
}, 60_000)

it('shares tenants and sessions between replicas, and answers constraint violations with 4xx', async () => {
  const database = await postgres().createDatabase()
  const [one, two] = await Promise.all([replica(database, true), replica(database)])

  // A session made on one replica works on the other; so do the demo accounts seeded by the first.
  const owner = await signup(one.url, 'owner@shared.example')
  expect(owner.status).toBe(201)
  expect((await call(two.url, 'GET', '/api/me', owner.body.token)).body.user.email).toBe(
    'owner@shared.example',
  )
  const demo = await call(two.url, 'POST', '/api/login', undefined, {
    email: 'demo-pro@example.com',
    password: 'demo-password',
  })
  expect(demo.status).toBe(200)

  // Unique key: the same e-mail signed up on both replicas at once gets in exactly once.
  const race = await Promise.all(
    Array.from({ length: 6 }, (_, i) => signup(i % 2 ? one.url : two.url, 'race@shared.example')),
  )
  expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409])
  expect(race.find((r) => r.status === 409)?.body.error.code).toBe('email_taken')

  // Foreign key: sharing a dashboard that is not in this tenant is 404, from either replica.
  const token = owner.body.token as string
  const missing = await call(two.url, 'POST', `/api/dashboards/${crypto.randomUUID()}/share`, token, {
    email: 'pat@example.com',
  })
  expect(missing.status).toBe(404)
  expect(missing.body.error).toEqual({ code: 'not_found', message: 'no such dashboard in this tenant' })
  const dashboard = await call(one.url, 'POST', '/api/dashboards', token, { name: 'Signups' })
  const shared = await call(two.url, 'POST', `/api/dashboards/${dashboard.body.dashboard.id}/share`, token, {
    email: 'pat@example.com',
  })
  expect(shared.status).toBe(201)

  // A per-tenant unique key (one integration per provider) raced across replicas: never a second
  // row, never a 5xx; a loser of the race is told so with 409.
  const connects = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      call(i % 2 ? one.url : two.url, 'POST', '/api/integrations', token, { provider: 'slack' }),
    ),
  )
  for (const reply of connects) {
    expect([200, 201, 409]).toContain(reply.status)
    if (reply.status === 409) expect(reply.body.error.code).toBe('conflict')
  }
  expect(new Set(connects.filter((r) => r.status < 300).map((r) => r.body.integration.id)).size).toBe(1)
}, 120_000)

it('answers 503 while the database is down, stays up, and recovers by itself when it returns', async () => {
  const database = await postgres().createDatabase()
  const { api, url } = await replica(database)
  const owner = await signup(url, 'outage@shared.example')
  const token = owner.body.token as string

  await postgres().stop()
  try {
    for (const [method, path, body] of [
      ['GET', '/api/me', undefined],
      ['POST', '/api/dashboards', { name: 'During the outage' }],
    ] as const) {
      const reply = await call(url, method, path, token, body)
      expect(reply.status).toBe(503)
      expect(reply.body.error).toEqual({
        code: 'database_unavailable',
        message: 'the database is unavailable; retry shortly',
      })
      expect(reply.headers.get('retry-after')).toBe('5')
    }
    expect((await call(url, 'GET', '/healthz')).status).toBe(200)
  } finally {
    await postgres().start()
  }

  // Same process, same token: the pool reconnects on the next request.
  expect(api.child.exitCode).toBeNull()
  const me = await call(url, 'GET', '/api/me', token)
  expect(me.status).toBe(200)
  expect(me.body.user.email).toBe('outage@shared.example')
  expect((await call(url, 'POST', '/api/dashboards', token, { name: 'After' })).status).toBe(201)
  expect(api.lines.some((line) => line.includes('"msg":"database unavailable"'))).toBe(true)
}, 120_000)
