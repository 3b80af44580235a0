/** Signup, login, sessions (bearer and cookie), logout, members, and the demo accounts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PASSWORD, startApi, type TestApi } from '../src/testing.ts'

let api: TestApi
beforeAll(async () => {
  api = await startApi({}, true)
})
afterAll(async () => {
  await api.close()
})

const sessionCookie = (headers: Headers) => headers.getSetCookie().find((c) => c.startsWith('session='))

describe('signup and login', () => {
  it('creates a tenant and its owner, returns a token and sets an HttpOnly SameSite=Strict cookie', async () => {
    const reply = await api.request('POST', '/api/signup', {
      body: { company: 'Acme', name: 'Ada', email: 'Ada@Acme.example', password: 'long enough', plan: 'pro' },
    })
    expect(reply.status).toBe(201)
    expect(reply.body.user).toMatchObject({ name: 'Ada', email: 'ada@acme.example', role: 'owner' })
    expect(reply.body.tenant).toMatchObject({ name: 'Acme', plan: 'pro', status: 'active' })
    expect(reply.body.user).not.toHaveProperty('passwordHash')
    const cookie = sessionCookie(reply.headers)
    expect(cookie).toMatch(/httponly/i)
    expect(cookie).toMatch(/samesite=strict/i)
    expect(cookie).toContain(`session=${reply.body.token}`)

    const stored = await api.store.findUserByEmail('ada@acme.example')
    expect(stored?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/)
    expect(stored?.passwordHash).not.toContain('long enough')
  })

  it('rejects a taken e-mail with 409 and bad fields with 400 naming the field', async () => {
    const body = {
      company: 'A',
      name: 'B',
      email: 'twice@example.com',
      password: 'long enough',
      plan: 'free',
    }
    expect((await api.request('POST', '/api/signup', { body })).status).toBe(201)
    const again = await api.request('POST', '/api/signup', { body })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('email_taken')

    for (const [field, value] of [
      ['email', 'not-an-email'],
      ['password', 'short'],
      ['plan', 'platinum'],
      ['company', ''],
    ] as const) {
      const reply = await api.request('POST', '/api/signup', {
        body: { ...body, email: `f-${field}@example.com`, [field]: value },
      })
      expect(reply.status).toBe(400)
      expect(reply.body.error).toMatchObject({ code: 'validation_error', field })
      expect(reply.body.error.message.startsWith(`${field}: `)).toBe(true)
    }
  })

  it('answers malformed JSON with 400 invalid_json', async () => {
    const reply = await api.request('POST', '/api/login', {
      rawBody: '{"email":',
      headers: { 'content-type': 'application/json' },
    })
    expect(reply.status).toBe(400)
    expect(reply.body.error.code).toBe('invalid_json')
  })

  it('logs in the seeded demo accounts, one per plan', async () => {
    for (const plan of ['free', 'pro', 'enterprise']) {
      const reply = await api.request('POST', '/api/login', {
        body: { email: `demo-${plan}@example.com`, password: DEMO_PASSWORD },
      })
      expect(reply.status).toBe(200)
      expect(reply.body.tenant.plan).toBe(plan)
      expect(sessionCookie(reply.headers)).toBeDefined()
    }
  })

  it('answers a wrong password and an unknown e-mail alike with 401', async () => {
    const wrong = await api.request('POST', '/api/login', {
      body: { email: 'demo-pro@example.com', password: 'wrong password' },
    })
    const unknown = await api.request('POST', '/api/login', {
      body: { email: 'nobody@example.com', password: 'wrong password' },
    })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.body).toEqual(unknown.body)
  })
})

describe('sessions', () => {
  it('authenticates with the bearer token or the cookie, and not after logout', async () => {
    const account = await api.signup('free')
    expect((await api.request('GET', '/api/me', { token: account.token })).body.user.email).toBe(
      account.email,
    )
    const viaCookie = await api.request('GET', '/api/me', { cookie: `session=${account.token}` })
    expect(viaCookie.status).toBe(200)
    expect((await api.request('GET', '/api/me')).status).toBe(401)

    const logout = await api.request('POST', '/api/logout', { cookie: `session=${account.token}` })
    expect(logout.status).toBe(204)
    expect(sessionCookie(logout.headers)).toMatch(/expires=Thu, 01 Jan 1970/i)
    expect((await api.request('GET', '/api/me', { token: account.token })).status).toBe(401)
  })

  it('stores only a hash of the session token', async () => {
    const account = await api.signup('free')
    const { createHash } = await import('node:crypto')
    const hash = createHash('sha256').update(account.token).digest('hex')
    expect(await api.store.findSession(hash, Date.now())).toMatchObject({ userId: account.userId })
    expect(await api.store.findSession(account.token, Date.now())).toBeUndefined()
  })
})

describe('members', () => {
  it('lets the owner add a member, who can sign in but not add members', async () => {
    const owner = await api.signup('pro')
    const added = await api.request('POST', '/api/users', {
      token: owner.token,
      body: { name: 'Mia', email: 'mia@member.example', password: 'member password' },
    })
    expect(added.status).toBe(201)
    expect(added.body.user).toMatchObject({ role: 'member', tenantId: owner.tenantId })

    const login = await api.request('POST', '/api/login', {
      body: { email: 'mia@member.example', password: 'member password' },
    })
    expect(login.status).toBe(200)
    expect(login.body.tenant.id).toBe(owner.tenantId)

    const denied = await api.request('POST', '/api/users', {
      token: login.body.token,
      body: { name: 'X', email: 'x@member.example', password: 'member password' },
    })
    expect(denied.status).toBe(403)
    expect(denied.body.error.code).toBe('forbidden')
    const billing = await api.request('POST', '/api/billing/renew', { token: login.body.token })
    expect(billing.status).toBe(403)
  })
})
