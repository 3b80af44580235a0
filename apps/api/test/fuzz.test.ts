/**
 * Property tests (fast-check) over every body the API reads: the browser ingest, each catalog
 * feature route and each billing route. Bodies range from well-formed with one bad field to random
 * JSON, raw bytes, wrong content types, `__proto__` keys and lying encodings. The property: every
 * answer is 2xx or 4xx with an error code and message, never 5xx, and the server stays up.
 *
 * FUZZ_RUNS sets the cases per surface: small in the normal suite, 10,000 in the full run
 * (`npm run fuzz -w @feature-analytics/api`).
 */
import { gzipSync } from 'node:zlib'
import { ATTR, METRICS, PLANS, TIME_SPENT_BUCKETS_MS } from '@feature-analytics/schema'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEATURE_NAMES, FEATURES, type FeatureName } from '../src/catalog.ts'
import { type Account, type Reply, startApi, type TestApi } from '../src/testing.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)
// A full run is ~10,000 requests per surface, one after another.
const TIMEOUT_MS = Math.max(60_000, RUNS * 40)

let api: TestApi
beforeAll(async () => {
  api = await startApi({
    ingest: { ratePerSecond: 1e9, burst: 1e9 },
    authLimits: { signupsPerIp: 1000, loginFailuresPerAccount: 10, loginFailuresPerIp: 100 },
  })
})
afterAll(async () => {
  const unhandled = api.logs.filter((line) => line.includes('"unhandled error"'))
  await api.close()
  expect(unhandled).toEqual([])
})

// Strings that have broken parsers and validators before: blanks, lengths at and past the limits,
// prototype keys, control characters, lone surrogates.
const edgeString = fc.constantFrom(
  '',
  ' ',
  '\t\n ',
  'x'.repeat(100),
  'x'.repeat(101),
  'x'.repeat(10_000),
  '__proto__',
  'constructor',
  'prototype',
  '\u0000',
  '\ud800',
  'ünïcödé 🚀',
  'a@b.example',
  '=cmd|/c calc',
  '../../etc/passwd',
  'NaN',
  '1e309',
)
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 300 }), edgeString)
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
)
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
)

/** An object with these keys (each maybe missing, maybe valid, maybe anything) plus stray keys. */
const bodyWith = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc
    .tuple(
      fc.record(
        Object.fromEntries(
          Object.entries(fields).map(([key, valid]) => [
            key,
            fc.oneof({ weight: 3, arbitrary: valid }, value),
          ]),
        ),
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), edgeString), value, { maxKeys: 3 }),
    )
    .map(([known, stray]) => ({ ...stray, ...known }))

/** How a body reaches the server: as JSON, or as bytes that are not what the headers claim. */
type Wire = { body: string | Buffer; headers: Record<string, string> }
const onTheWire = (json: fc.Arbitrary<unknown>): fc.Arbitrary<Wire> =>
  fc.oneof(
    { weight: 8, arbitrary: json.map((b) => ({ body: JSON.stringify(b) ?? 'null', headers: {} })) },
    { weight: 1, arbitrary: fc.jsonValue().map((b) => ({ body: JSON.stringify(b) ?? 'null', headers: {} })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary' }).map((b) => ({ body: b, headers: {} })) },
    {
      weight: 1,
      arbitrary: fc.tuple(json, fc.constantFrom('__proto__', 'constructor')).map(([b, key]) => ({
        body: `{"${key}":{"polluted":true},"x":${JSON.stringify(b) ?? 'null'}}`,
        headers: {},
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          json,
          fc.integer({ min: 0, max: 40 }),
          fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'zstd'),
        )
        .map(([b, cut, encoding]) => {
          const zipped = gzipSync(JSON.stringify(b) ?? 'null')
          return {
            body: cut === 0 ? zipped : zipped.subarray(0, cut),
            headers: { 'content-encoding': encoding },
          }
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          json,
          fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', ''),
        )
        .map(([b, type]) => ({ body: JSON.stringify(b) ?? 'null', headers: { 'content-type': type } })),
    },
  )

const plan = fc.constantFrom(...PLANS)
const email = fc.oneof(fc.constantFrom('pat@example.com', 'Lee@Team.Example'), fc.emailAddress(), text)
const name = fc.oneof(fc.string({ minLength: 1, maxLength: 100 }), text)
const iso = fc.date({ noInvalidDate: true }).map((d) => d.toISOString())

/** Each feature's body fields, valid values first (they mostly get past validation). */
const FEATURE_BODIES: Record<FeatureName, Record<string, fc.Arbitrary<unknown>>> = {
  dashboard_create: { name },
  dashboard_share: { email },
  search: { q: text },
  report_export: { format: fc.constantFrom('csv', 'pdf', 'xlsx') },
  alert_create: { name, metric: fc.stringMatching(/^[a-zA-Z][\w.]{0,20}$/), threshold: fc.double() },
  integration_connect: { provider: fc.constantFrom('slack', 'github', 'jira', 'salesforce') },
  team_invite: { email, role: fc.constantFrom('member', 'admin') },
  api_key_create: { name },
  data_import: {
    source: fc.constantFrom('csv', 'json'),
    rows: fc.array(
      fc.oneof(
        fc.record({ name, value: fc.oneof(fc.double(), scalar) }),
        fc.tuple(text, fc.double()).map(([n, v]) => `${n},${v}`),
        value,
      ),
      { maxLength: 30 },
    ),
  },
  audit_log_export: { from: fc.oneof(iso, text), to: fc.oneof(iso, text) },
  sso_configure: {
    provider: fc.constantFrom('okta', 'azure_ad', 'google'),
    domain: fc.oneof(fc.domain(), text),
  },
}

// OTLP/JSON with the ingest's real names and attributes, and every field open to abuse.
const attribute = fc.record({
  key: fc.oneof(
    fc.constantFrom(ATTR.featureName, ATTR.uiElement, ATTR.tenantId, ATTR.userPlan, 'user.id'),
    fc.string({ maxLength: 20 }),
  ),
  value: fc.oneof(
    fc.record({ stringValue: fc.oneof(fc.constantFrom(...FEATURE_NAMES), text) }),
    fc.record({ intValue: fc.oneof(fc.integer(), text) }),
    value,
  ),
})
const count = fc.oneof(
  fc.nat(),
  fc.nat().map(String),
  fc.constantFrom(-1, 1e20, '99999999999999999999'),
  value,
)
const clickPoint = fc.record(
  {
    attributes: fc.array(attribute, { maxLength: 6 }),
    asInt: count,
    asDouble: fc.oneof(fc.double(), value),
    timeUnixNano: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String), value),
  },
  { requiredKeys: [] },
)
const histogramPoint = fc.record(
  {
    attributes: fc.array(attribute, { maxLength: 4 }),
    count,
    sum: fc.oneof(fc.double(), value),
    bucketCounts: fc.oneof(fc.array(count, { maxLength: 20 }), value),
    explicitBounds: fc.oneof(
      fc.constant([...TIME_SPENT_BUCKETS_MS]),
      fc.array(fc.double(), { maxLength: 20 }),
      value,
    ),
    min: fc.double(),
    max: fc.double(),
  },
  { requiredKeys: [] },
)
const temporality = fc.oneof(fc.constantFrom(0, 1, 2, 'AGGREGATION_TEMPORALITY_DELTA'), value)
const otlpMetric = fc.oneof(
  fc.record({
    name: fc.oneof(fc.constant(METRICS.click), text),
    sum: fc.record(
      {
        dataPoints: fc.array(clickPoint, { maxLength: 20 }),
        aggregationTemporality: temporality,
        isMonotonic: value,
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    name: fc.oneof(fc.constant(METRICS.timeSpent), text),
    histogram: fc.record(
      { dataPoints: fc.array(histogramPoint, { maxLength: 10 }), aggregationTemporality: temporality },
      { requiredKeys: [] },
    ),
  }),
  value,
)
const otlpBody = bodyWith({
  resourceMetrics: fc.array(
    bodyWith({
      scopeMetrics: fc.array(bodyWith({ metrics: fc.array(otlpMetric, { maxLength: 6 }) }), { maxLength: 3 }),
    }),
    { maxLength: 3 },
  ),
})

const send = (method: string, path: string, token: string, wire: Wire) =>
  method === 'GET'
    ? api.request('GET', path, { token })
    : api.request(method, path, {
        token,
        rawBody: typeof wire.body === 'string' ? wire.body : new Blob([wire.body]),
        headers: { 'content-type': 'application/json', ...wire.headers },
      })

/** Runs `RUNS` cases against one surface; fails on any 5xx or a 4xx without a code and message. */
const fuzzSurface = async (
  surface: string,
  cases: fc.Arbitrary<{ path: string; wire: Wire }>,
  method: string,
  token: () => string,
  afterEach?: (reply: Reply) => Promise<void>,
) => {
  const statuses = new Map<number, number>()
  await fc.assert(
    fc.asyncProperty(cases, async ({ path, wire }) => {
      const reply = await send(method, path, token(), wire)
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
      expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBeLessThan(500)
      if (reply.status >= 400) {
        expect(typeof reply.body?.error?.code, JSON.stringify(reply.body)).toBe('string')
        expect(typeof reply.body?.error?.message, JSON.stringify(reply.body)).toBe('string')
      }
      await afterEach?.(reply)
    }),
    { numRuns: RUNS },
  )
  const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`)
  console.log(`fuzz ${surface}: ${RUNS} cases, ${summary.join(' ')}`)
  expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([])
  // Still answering after all of it.
  expect((await api.request('GET', '/healthz')).status).toBe(200)
}

describe('fuzzing every body the API reads', () => {
  it(
    'POST /v1/metrics',
    async () => {
      const account = await api.signup('pro')
      await fuzzSurface(
        'POST /v1/metrics',
        onTheWire(otlpBody).map((wire) => ({ path: '/v1/metrics', wire })),
        'POST',
        () => account.token,
      )
    },
    TIMEOUT_MS,
  )

  it.each(FEATURE_NAMES)(
    'feature %s',
    async (feature) => {
      // One tenant per feature, so what one surface stores does not slow another's listing.
      const account: Account = await api.signup('enterprise')
      const dashboard = await api.request('POST', '/api/dashboards', {
        token: account.token,
        body: { name: 'd' },
      })
      const { method, path } = FEATURES[feature]
      const fields = FEATURE_BODIES[feature]
      const cases =
        method === 'GET'
          ? fc
              .record({ q: fc.option(fc.oneof(text, fc.array(text, { maxLength: 3 })), { nil: undefined }) })
              .map(({ q }) => {
                const query = new URLSearchParams()
                for (const item of q === undefined ? [] : [q].flat()) query.append('q', item)
                return { path: `${path}?${query}`, wire: { body: '', headers: {} } }
              })
          : fc
              .tuple(
                onTheWire(bodyWith(fields)),
                fc.oneof(
                  fc.constant(dashboard.body.dashboard.id as string),
                  // A lone surrogate cannot be put in a URL at all.
                  fc.oneof(fc.string(), edgeString).filter((id) => !/\p{Cs}/u.test(id)),
                ),
              )
              .map(([wire, id]) => ({ path: path.replace(':id', encodeURIComponent(id)), wire }))
      await fuzzSurface(`${method} ${path}`, cases, method, () => account.token)
    },
    TIMEOUT_MS,
  )

  it.each(['plan', 'renew', 'cancel'])(
    'billing %s',
    async (action) => {
      const owner = await api.signup('pro')
      await fuzzSurface(
        `POST /api/billing/${action}`,
        onTheWire(bodyWith({ plan })).map((wire) => ({ path: `/api/billing/${action}`, wire })),
        'POST',
        () => owner.token,
        // A cancelled tenant answers 402 to everything after: reopen it, so every case reaches the handler.
        async () => void (await api.store.updateTenant(owner.tenantId, { status: 'active' })),
      )
    },
    TIMEOUT_MS,
  )
})
