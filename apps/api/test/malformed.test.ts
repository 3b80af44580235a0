/**
 * Malformed input at the HTTP edge: bodies whose Content-Encoding lies, validation messages that
 * name the actual problem, and `__proto__` keys. Each gets a 4xx with a message, never a 500 or a
 * reset connection.
 */
import { maxHeaderSize, request } from 'node:http'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Account, startApi, type TestApi } from '../src/testing.ts'

let api: TestApi
let account: Account
beforeAll(async () => {
  api = await startApi()
  account = await api.signup('enterprise')
})
afterAll(async () => {
  await api.close()
})

interface RawReply {
  status: number
  body: string
}

/**
 * node:http rather than fetch: the body is sent as given, and a connection the server resets is
 * reported as such instead of being retried.
 */
const rawPost = (path: string, headers: Record<string, string>, body: Buffer) =>
  new Promise<RawReply>((resolve, reject) => {
    const req = request(new URL(path, api.url), {
      method: 'POST',
      headers: { ...headers, 'content-length': String(body.length) },
    })
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })

const json = JSON.stringify({ name: 'board' })
const corruptions: Record<string, Record<string, Buffer>> = {
  gzip: {
    'not gzip at all': Buffer.from(json),
    'garbage after a gzip header': Buffer.concat([
      gzipSync(json).subarray(0, 10),
      Buffer.from('garbage, not deflate'),
    ]),
    truncated: gzipSync(JSON.stringify({ name: 'x'.repeat(5000) })).subarray(0, 40),
  },
  deflate: { 'not deflate': Buffer.from(json), truncated: deflateSync(json).subarray(0, 5) },
  br: {
    'not brotli': Buffer.from('\xff\xff\xff not brotli'),
    truncated: brotliCompressSync(json).subarray(0, 3),
  },
}

describe('a body whose Content-Encoding lies', () => {
  const paths = ['/v1/metrics', '/api/dashboards', '/api/signup', '/api/login', '/api/billing/plan']

  it('gets 400 invalid_encoding with a message on the ingest and every /api route, signed in or not', async () => {
    const signedInOrNot: Record<string, string>[] = [{ authorization: `Bearer ${account.token}` }, {}]
    const seen: string[] = []
    for (const [encoding, bodies] of Object.entries(corruptions)) {
      for (const [what, body] of Object.entries(bodies)) {
        for (const path of paths) {
          for (const auth of signedInOrNot) {
            const headers = { 'content-type': 'application/json', 'content-encoding': encoding, ...auth }
            const reply = await rawPost(path, headers, body)
            const label = `${path} ${encoding} (${what})${'authorization' in auth ? ' signed in' : ''}`
            seen.push(`${reply.status}`)
            // Without a session the ingest refuses before reading the body: 401 is the right answer there.
            if (path === '/v1/metrics' && !('authorization' in auth)) {
              expect(reply.status, label).toBe(401)
              continue
            }
            expect(reply.status, label).toBe(400)
            const error = JSON.parse(reply.body).error
            expect(error.code, label).toBe('invalid_encoding')
            expect(error.message, label).toContain(`Content-Encoding: ${encoding}`)
          }
        }
      }
    }
    const counts: Record<string, number> = {}
    for (const status of seen) counts[status] = (counts[status] ?? 0) + 1
    console.log(`corrupt gzip/deflate/br bodies: ${seen.length} requests answered ${JSON.stringify(counts)}`)
    expect(api.logs.filter((line) => line.includes('"unhandled error"'))).toEqual([])
  })

  it('answers a large corrupt upload in full instead of resetting the connection', async () => {
    const large = Buffer.concat([gzipSync(json).subarray(0, 10), Buffer.alloc(900 * 1024, 7)])
    for (const path of ['/api/dashboards', '/v1/metrics']) {
      const headers = {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: `Bearer ${account.token}`,
      }
      const body = path === '/v1/metrics' ? large.subarray(0, 60 * 1024) : large
      const reply = await rawPost(path, headers, body)
      console.log(`corrupt gzip upload of ${Math.round(body.length / 1024)} KiB to ${path}: ${reply.status}`)
      expect(reply.status, path).toBe(400)
    }
    // The server is still fine.
    expect((await api.request('GET', '/api/me', { token: account.token })).status).toBe(200)
  })
})

describe('requests the HTTP parser refuses', () => {
  it('answers a request line and headers over the limit with 431 and a JSON message', async () => {
    const reply = await api.request('GET', `/api/search?q=${'x'.repeat(20_000)}`, { token: account.token })
    console.log(`20 KB query string: ${reply.status} ${reply.body?.error?.code}`)
    expect(reply.status).toBe(431)
    expect(reply.body.error).toEqual({
      code: 'headers_too_large',
      message: `the request line and headers exceed ${maxHeaderSize} bytes`,
    })
    expect((await api.request('GET', '/api/me', { token: account.token })).status).toBe(200)
  })
})

describe('validation messages say what is wrong', () => {
  const signup = (fields: Record<string, unknown>) =>
    api.request('POST', '/api/signup', {
      body: {
        company: 'Acme',
        name: 'Ada',
        email: 'ada@valid.example',
        password: 'long enough',
        plan: 'pro',
        ...fields,
      },
    })

  it('names the limit for a too-long name, says blank for a blank one, and the minimum for a short password', async () => {
    const cases = [
      [{ company: 'x'.repeat(101) }, 'company: too long: at most 100 characters'],
      [{ name: '   \t ' }, 'name: must not be blank'],
      [{ password: 'seven77' }, 'password: too short: at least 8 characters'],
      [{ password: 'p'.repeat(201) }, 'password: too long: at most 200 characters'],
      [{ name: 42 }, 'name: expected a string'],
      [{ company: undefined }, 'company: required'],
      [{ email: `${'a'.repeat(250)}@x.example` }, 'email: too long: at most 254 characters'],
    ] as const
    for (const [fields, message] of cases) {
      const reply = await signup(fields)
      console.log(`${JSON.stringify(fields).slice(0, 40)} -> ${reply.status} "${reply.body.error.message}"`)
      expect(reply.status).toBe(400)
      expect(reply.body.error.code).toBe('validation_error')
      expect(reply.body.error.message).toBe(message)
    }
    const search = await api.request('GET', `/api/search?q=${'q'.repeat(201)}`, { token: account.token })
    expect(search.body.error.message).toBe('q: too long: at most 200 characters')
    const blank = await api.request('POST', '/api/dashboards', { token: account.token, body: { name: ' ' } })
    expect(blank.body.error.message).toBe('name: must not be blank')
  })

  it('answers a __proto__ key with a 400 validation error naming it, not invalid_json', async () => {
    for (const [path, body] of [
      ['/api/login', '{"__proto__":{"admin":true},"email":"a@b.example","password":"x"}'],
      ['/api/dashboards', '{"name":"x","nested":{"__proto__":{"polluted":1}}}'],
      ['/v1/metrics', '{"resourceMetrics":[],"__proto__":{"x":1}}'],
    ] as const) {
      const reply = await api.request('POST', path, {
        token: account.token,
        rawBody: body,
        headers: { 'content-type': 'application/json' },
      })
      console.log(
        `__proto__ key on ${path}: ${reply.status} ${reply.body.error.code} "${reply.body.error.message}"`,
      )
      expect(reply.status, path).toBe(400)
      expect(reply.body.error, path).toMatchObject({ code: 'validation_error', field: '__proto__' })
      expect(reply.body.error.message).toMatch(/__proto__/)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
