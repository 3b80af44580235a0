/**
 * CSRF and the session cookie: state-changing requests from another origin are refused before they
 * do anything, API clients without a browser keep working, and COOKIE_SECURE works behind a proxy
 * trusted with TRUST_PROXY without ever leaving a half-done sign-up behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PASSWORD, startApi, type TestApi } from '../src/testing.ts'

const EVIL = 'http://evil.example'

/** A POST as a browser would send it: only the headers given, nothing the harness adds. */
const post = (api: TestApi, path: string, headers: Record<string, string>, body?: string) =>
  fetch(`${api.url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) })

describe('state-changing requests check their origin', () => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi({ allowedOrigins: ['https://console.example'] }, true)
  })
  afterAll(async () => {
    await api.close()
  })

  it('refuses a cross-origin form POST to /api/billing/cancel carrying the cookie, and the tenant stays active', async () => {
    const owner = await api.signup('pro')
    const forged = await post(
      api,
      '/api/billing/cancel',
      { cookie: `session=${owner.token}`, origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      'confirm=yes',
    )
    const body = (await forged.json()) as { error: { code: string; message: string } }
    console.log(`cross-origin form POST /api/billing/cancel: ${forged.status} ${body.error.code}`)
    expect(forged.status).toBe(403)
    expect(body.error).toMatchObject({ code: 'cross_origin_refused' })
    expect(body.error.message).toContain(EVIL)
    expect((await api.store.getTenant(owner.tenantId))?.status).toBe('active')
    // The same-origin page (what the web UI sends) still can.
    const own = await post(api, '/api/billing/renew', { cookie: `session=${owner.token}`, origin: api.url })
    expect(own.status).toBe(200)
  })

  it('refuses every state-changing method from another origin, with a session or without', async () => {
    const owner = await api.signup('enterprise')
    const cookie = `session=${owner.token}`
    let forgedCount = 0
    let refusedCount = 0
    for (const [method, path] of [
      ['POST', '/api/dashboards'],
      ['POST', '/api/billing/plan'],
      ['POST', '/api/logout'],
      ['POST', '/api/users'],
      ['POST', '/v1/metrics'],
      ['POST', '/api/login'],
      ['POST', '/api/signup'],
      ['PUT', '/api/dashboards'],
      ['DELETE', '/api/me'],
    ]) {
      for (const headers of [{ cookie, origin: EVIL }, { origin: EVIL }, { origin: 'null' }]) {
        const reply = await fetch(`${api.url}${path}`, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{}',
        })
        forgedCount += 1
        if (reply.status === 403) refusedCount += 1
        expect(reply.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403)
      }
    }
    console.log(`forged state-changing requests: ${refusedCount} of ${forgedCount} answered 403`)
    // Nothing was logged out: the session still works.
    expect((await api.request('GET', '/api/me', { token: owner.token })).status).toBe(200)
  })

  it('uses Sec-Fetch-Site when there is no Origin', async () => {
    const owner = await api.signup('pro')
    const cookie = `session=${owner.token}`
    const json = { cookie, 'content-type': 'application/json' }
    const answers: string[] = []
    for (const site of ['cross-site', 'same-site']) {
      const reply = await post(api, '/api/dashboards', { ...json, 'sec-fetch-site': site }, '{"name":"x"}')
      answers.push(`${site} ${reply.status}`)
      expect(reply.status).toBe(403)
    }
    const same = await post(
      api,
      '/api/dashboards',
      { ...json, 'sec-fetch-site': 'same-origin' },
      '{"name":"x"}',
    )
    console.log(`Sec-Fetch-Site without Origin: ${answers.join(', ')}, same-origin ${same.status}`)
    expect(same.status).toBe(201)
  })

  it('lets clients without a browser through with a bearer token, but not with the cookie alone', async () => {
    const owner = await api.signup('pro')
    const json = { 'content-type': 'application/json' }
    const cookieOnly = await post(
      api,
      '/api/dashboards',
      { ...json, cookie: `session=${owner.token}` },
      '{"name":"a"}',
    )
    expect(cookieOnly.status).toBe(403)
    expect(((await cookieOnly.json()) as { error: { message: string } }).error.message).toMatch(/Origin/)
    // k6 keeps the cookie it was given and sends the bearer token as well.
    const both = await post(
      api,
      '/api/dashboards',
      { ...json, cookie: `session=${owner.token}`, authorization: `Bearer ${owner.token}` },
      '{"name":"b"}',
    )
    expect(both.status).toBe(201)
    const bearer = await post(
      api,
      '/api/dashboards',
      { ...json, authorization: `Bearer ${owner.token}` },
      '{"name":"c"}',
    )
    expect(bearer.status).toBe(201)
    // Sign-up and login carry no credentials at all: the simulator and the examples call them so.
    const login = await post(
      api,
      '/api/login',
      json,
      JSON.stringify({ email: 'demo-pro@example.com', password: DEMO_PASSWORD }),
    )
    expect(login.status).toBe(200)
    console.log(
      `no Origin: cookie only ${cookieOnly.status}, cookie + bearer ${both.status}, bearer ${bearer.status}, login ${login.status}`,
    )
  })

  it('accepts the origins listed in ALLOWED_ORIGINS', async () => {
    const owner = await api.signup('pro')
    const reply = await post(
      api,
      '/api/dashboards',
      {
        cookie: `session=${owner.token}`,
        origin: 'https://console.example',
        'content-type': 'application/json',
      },
      '{"name":"from the console"}',
    )
    console.log(`Origin from ALLOWED_ORIGINS: ${reply.status}`)
    expect(reply.status).toBe(201)
  })
})

describe('COOKIE_SECURE behind a proxy', () => {
  const signupBody = (email: string) =>
    JSON.stringify({ company: 'Secure', name: 'Sam', email, password: 'long enough', plan: 'pro' })
  const login = (api: TestApi, headers: Record<string, string>, email: string, password: string) =>
    post(api, '/api/login', headers, JSON.stringify({ email, password }))

  it('signs up and logs in over a trusted proxy that says https, with a Secure cookie', async () => {
    const api = await startApi({ cookieSecure: true, trustProxyHops: 1 })
    try {
      const headers = {
        'content-type': 'application/json',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '203.0.113.9',
        // nginx passes the browser's Host on; the page's origin is https on that host.
        origin: `https://${new URL(api.url).host}`,
      }
      const created = await post(api, '/api/signup', headers, signupBody('sam@secure.example'))
      console.log(`COOKIE_SECURE=true, TRUST_PROXY=1, X-Forwarded-Proto: https: sign-up ${created.status}`)
      expect(created.status).toBe(201)
      const cookie = created.headers.getSetCookie().find((c) => c.startsWith('session='))
      expect(cookie).toMatch(/;\s*secure/i)
      expect((await login(api, headers, 'sam@secure.example', 'long enough')).status).toBe(200)
    } finally {
      await api.close()
    }
  })

  it('refuses plain http with a clear 403 before creating anything, so a retry over https succeeds', async () => {
    const untrusting = await startApi({ cookieSecure: true })
    const trusting = await startApi({ cookieSecure: true, trustProxyHops: 1 }, false, {
      store: untrusting.store,
    })
    try {
      const headers = { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }
      // Without TRUST_PROXY the header is not believed: the request came over plain http.
      const refused = await post(untrusting, '/api/signup', headers, signupBody('retry@secure.example'))
      const body = (await refused.json()) as { error: { code: string; message: string } }
      console.log(`COOKIE_SECURE=true without TRUST_PROXY: sign-up ${refused.status} ${body.error.code}`)
      expect(refused.status).toBe(403)
      expect(body.error.code).toBe('https_required')
      expect(body.error.message).toMatch(/TRUST_PROXY/)
      expect(await untrusting.store.findUserByEmail('retry@secure.example')).toBeUndefined()
      expect((await login(untrusting, headers, 'x@y.example', 'x')).status).toBe(403)

      const retried = await post(trusting, '/api/signup', headers, signupBody('retry@secure.example'))
      console.log(`the same sign-up retried through a trusted proxy: ${retried.status}`)
      expect(retried.status).toBe(201)
    } finally {
      await trusting.close()
      await untrusting.close()
    }
  })
})
