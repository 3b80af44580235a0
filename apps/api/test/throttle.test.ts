/**
 * Sign-up and login abuse: per-IP sign-up limits, login throttling per account and per IP, both
 * shared by replicas through a real redis-server, and still enforced (per replica) when Redis dies.
 */

import { startRedis } from '@feature-analytics/test-support/redis'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_AUTH_LIMITS, openLimiterRedis, SIGNUP_WINDOW_SECONDS } from '../src/auth/throttle.ts'
import { createLogger } from '../src/logger.ts'
import { DEMO_PASSWORD, type Reply, startApi, type TestApi } from '../src/testing.ts'

let sequence = 0
const signupBody = () => {
  sequence += 1
  return {
    company: `Throttle ${sequence}`,
    name: 'Owner',
    email: `throttle-${sequence}@example.com`,
    password: 'long enough',
    plan: 'free',
  }
}
const signup = (api: TestApi, headers: Record<string, string> = {}) =>
  api.request('POST', '/api/signup', { body: signupBody(), headers })
const login = (api: TestApi, email: string, password: string, headers: Record<string, string> = {}) =>
  api.request('POST', '/api/login', { body: { email, password }, headers })

const expectRateLimited = (reply: Reply, mentions: RegExp, maxSeconds: number) => {
  expect(reply.status).toBe(429)
  expect(reply.body.error.code).toBe('rate_limited')
  expect(reply.body.error.message).toMatch(mentions)
  const retryAfter = Number(reply.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThanOrEqual(1)
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds)
  expect(reply.body.error.retryAfterSeconds).toBe(retryAfter)
}

const statuses = (replies: Reply[]) => {
  const counts: Record<number, number> = {}
  for (const { status } of replies) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

describe('sign-up limit per client address', () => {
  it('answers 429 with Retry-After and a message once the address has used its sign-ups, whatever X-Forwarded-For says', async () => {
    const api = await startApi({ authLimits: { ...DEFAULT_AUTH_LIMITS, signupsPerIp: 5 } })
    try {
      const bodies = Array.from({ length: 8 }, signupBody)
      const replies: Reply[] = []
      for (const [i, body] of bodies.entries()) {
        replies.push(
          await api.request('POST', '/api/signup', {
            body,
            headers: { 'x-forwarded-for': `198.51.100.${i}` },
          }),
        )
      }
      console.log(`sign-up limit 5 per address: 8 sign-ups answered ${JSON.stringify(statuses(replies))}`)
      expect(replies.slice(0, 5).map((r) => r.status)).toEqual([201, 201, 201, 201, 201])
      for (const reply of replies.slice(5)) expectRateLimited(reply, /sign-ups/, SIGNUP_WINDOW_SECONDS)
      // The refused sign-ups created nothing.
      for (const body of bodies.slice(5)) expect(await api.store.findUserByEmail(body.email)).toBeUndefined()
    } finally {
      await api.close()
    }
  })

  it('counts each client behind a trusted proxy (TRUST_PROXY) on its own, by the address the proxy saw', async () => {
    const api = await startApi({ trustProxyHops: 1, authLimits: { ...DEFAULT_AUTH_LIMITS, signupsPerIp: 2 } })
    try {
      const a = { 'x-forwarded-for': '203.0.113.1' }
      expect((await signup(api, a)).status).toBe(201)
      expect((await signup(api, a)).status).toBe(201)
      expectRateLimited(await signup(api, a), /sign-ups/, SIGNUP_WINDOW_SECONDS)
      // A client that prepends its own X-Forwarded-For entry is still known by what the proxy appended.
      expectRateLimited(
        await signup(api, { 'x-forwarded-for': '192.0.2.77, 203.0.113.1' }),
        /sign-ups/,
        SIGNUP_WINDOW_SECONDS,
      )
      expect((await signup(api, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(201)
    } finally {
      await api.close()
    }
  })
})

describe('login throttling', () => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi({ trustProxyHops: 1 }, true)
  })
  afterAll(async () => {
    await api.close()
  })

  it('refuses the right password after 200 wrong ones, from the same or any other address', async () => {
    const email = 'demo-pro@example.com'
    const replies: Reply[] = []
    for (let i = 0; i < 200; i++) {
      replies.push(await login(api, email, `wrong ${i}`, { 'x-forwarded-for': `198.51.100.${i % 50}` }))
    }
    const right = await login(api, email, DEMO_PASSWORD, { 'x-forwarded-for': '198.51.100.1' })
    const elsewhere = await login(api, email, DEMO_PASSWORD, { 'x-forwarded-for': '192.0.2.200' })
    console.log(
      `200 wrong passwords from 50 addresses: ${JSON.stringify(statuses(replies))}; then the right one: ` +
        `${right.status} (Retry-After ${right.headers.get('retry-after')} s), from a new address: ${elsewhere.status}`,
    )
    expect(statuses(replies)).toEqual({ 401: DEFAULT_AUTH_LIMITS.loginFailuresPerAccount, 429: 190 })
    expectRateLimited(right, /failed logins for this account/, 900)
    expectRateLimited(elsewhere, /failed logins for this account/, 900)
    // Other accounts are not affected.
    expect((await login(api, 'demo-free@example.com', DEMO_PASSWORD)).status).toBe(200)
  }, 30_000)

  it('lets no more guesses through than the limit when they arrive all at once', async () => {
    const email = 'demo-enterprise@example.com'
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login(api, email, `parallel ${i}`)),
    )
    console.log(`60 parallel wrong passwords: ${JSON.stringify(statuses(replies))}`)
    expect(statuses(replies)).toEqual({ 401: DEFAULT_AUTH_LIMITS.loginFailuresPerAccount, 429: 50 })
    expect((await login(api, email, DEMO_PASSWORD)).status).toBe(429)
  }, 30_000)

  it('limits failed logins per address across accounts, and leaves other addresses alone', async () => {
    const limits = { ...DEFAULT_AUTH_LIMITS, loginFailuresPerIp: 20 }
    const proxied = await startApi({ trustProxyHops: 1, authLimits: limits })
    try {
      const from = { 'x-forwarded-for': '203.0.113.50' }
      const replies: Reply[] = []
      for (let i = 0; i < limits.loginFailuresPerIp + 5; i++) {
        replies.push(await login(proxied, `nobody-${i}@example.com`, 'whatever', from))
      }
      console.log(
        `${replies.length} failed logins for distinct accounts from one address, limit ${limits.loginFailuresPerIp}: ` +
          JSON.stringify(statuses(replies)),
      )
      expect(statuses(replies)).toEqual({ 401: limits.loginFailuresPerIp, 429: 5 })
      expectRateLimited(replies.at(-1) as Reply, /failed logins for this address/, 3600)
      const member = await proxied.signup('free')
      expect((await login(proxied, member.email, member.password, from)).status).toBe(429)
      const elsewhere = { 'x-forwarded-for': '203.0.113.51' }
      expect((await login(proxied, member.email, member.password, elsewhere)).status).toBe(200)
    } finally {
      await proxied.close()
    }
  }, 30_000)

  it('forgets an account’s failures once its owner signs in', async () => {
    const account = await api.signup('pro')
    const from = { 'x-forwarded-for': '203.0.113.60' }
    const rounds: string[] = []
    for (let round = 0; round < 3; round++) {
      const typos: Reply[] = []
      for (let i = 0; i < DEFAULT_AUTH_LIMITS.loginFailuresPerAccount - 1; i++) {
        typos.push(await login(api, account.email, 'typo typo', from))
      }
      const right = await login(api, account.email, account.password, from)
      rounds.push(`${JSON.stringify(statuses(typos))} then ${right.status}`)
      expect(statuses(typos)).toEqual({ 401: DEFAULT_AUTH_LIMITS.loginFailuresPerAccount - 1 })
      expect(right.status).toBe(200)
    }
    console.log(`typos then the right password, 3 rounds: ${rounds.join('; ')}`)
  }, 30_000)
})

describe('limits shared by replicas through Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>
  const clients: Redis[] = []
  const limiterLogs: string[] = []
  const replicas: TestApi[] = []
  const limits = { signupsPerIp: 6, loginFailuresPerAccount: 4, loginFailuresPerIp: 100 }

  beforeAll(async () => {
    redis = await startRedis()
    for (let i = 0; i < 2; i++) {
      const logger = createLogger(
        { level: 'warn', serviceName: 'throttle-test' },
        {
          write: (line: string) => void limiterLogs.push(line),
        },
      )
      const client = openLimiterRedis(redis.url, logger)
      if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve))
      clients.push(client)
    }
    // Both replicas share one store too, as they would share PostgreSQL.
    const first = await startApi({ authLimits: limits }, true, { limiterRedis: clients[0] })
    replicas.push(
      first,
      await startApi({ authLimits: limits }, false, { limiterRedis: clients[1], store: first.store }),
    )
  })
  afterAll(async () => {
    for (const replica of replicas) await replica.close()
    for (const client of clients) client.disconnect()
    await redis?.stop()
  })

  it('counts sign-ups and failed logins once across both replicas', async () => {
    const [one, two] = replicas as [TestApi, TestApi]
    const signups: Reply[] = []
    for (let i = 0; i < 9; i++) signups.push(await signup(i % 2 === 0 ? one : two))
    console.log(
      `9 sign-ups alternating over 2 replicas, limit 6 shared in Redis: ${signups.map((r) => r.status).join(' ')}`,
    )
    expect(signups.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201, 429, 429, 429])

    const email = 'demo-free@example.com'
    for (let i = 0; i < limits.loginFailuresPerAccount; i++) {
      expect((await login(i % 2 === 0 ? one : two, email, 'wrong password')).status).toBe(401)
    }
    expect((await login(one, email, DEMO_PASSWORD)).status).toBe(429)
    expect((await login(two, email, DEMO_PASSWORD)).status).toBe(429)
  })

  it('keeps limiting, per replica, while Redis is down, and logs the Redis errors as JSON', async () => {
    const [one] = replicas as [TestApi, TestApi]
    await redis.stop()
    const replies: Reply[] = []
    for (let i = 0; i < 8; i++) replies.push(await signup(one))
    console.log(`Redis down, 8 sign-ups on one replica: ${replies.map((r) => r.status).join(' ')}`)
    // The loopback address spent its budget in Redis above; the in-memory fallback counts afresh
    // from the outage on, so it lets the limit through once more and then refuses.
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201, 429, 429])
    expect(one.logs.some((line) => line.includes('"unhandled error"'))).toBe(false)
    expect(limiterLogs.some((line) => JSON.parse(line).msg === 'limiter redis error')).toBe(true)
  })
})
