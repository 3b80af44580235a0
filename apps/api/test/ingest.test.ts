/**
 * The browser ingest `POST /v1/metrics` over real HTTP: exact merging into the server's aggregation,
 * stamping from the session, and the abuse cases (no session, forged tenant, unknown instruments and
 * attributes, oversized bodies, floods, random JSON).
 */
import { ATTR, METRICS, TIME_SPENT_BUCKETS_MS } from '@feature-analytics/schema'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Account, startApi, type TestApi } from '../src/testing.ts'
import { CUMULATIVE, click, clickMetric, exportRequest, timeSpentMetric } from './otlp.ts'

let api: TestApi
beforeAll(async () => {
  api = await startApi({ ingest: { ratePerSecond: 1000, burst: 1000 } })
})
afterAll(async () => {
  await api.close()
})

const post = (account: Account | undefined, body: unknown, viaCookie = true) =>
  api.request('POST', '/v1/metrics', {
    body,
    ...(account ? (viaCookie ? { cookie: `session=${account.token}` } : { token: account.token }) : {}),
  })

const dropped = async (reason: string) =>
  (await api.metrics()).sum(METRICS.dropped, { [ATTR.reason]: reason })

describe('merging', () => {
  it('merges delta clicks and time spent exactly, stamped with the session tenant and plan', async () => {
    const account = await api.signup('pro')
    const first = await post(
      account,
      exportRequest(
        clickMetric([
          { attributes: click('alert_create', 'alert-go'), asInt: 3 },
          { attributes: click('alert_create', 'alert-clear'), asInt: '2' },
        ]),
        timeSpentMetric('alert_create', [1500, 42_000]),
      ),
    )
    expect(first.status).toBe(200)
    expect(first.body).toEqual({ partialSuccess: { rejectedDataPoints: 0 } })
    const second = await post(
      account,
      exportRequest(
        clickMetric([{ attributes: click('alert_create', 'alert-go'), asDouble: 4 }]),
        timeSpentMetric('alert_create', [700]),
      ),
    )
    expect(second.status).toBe(200)

    const metrics = await api.metrics()
    const stamped = { [ATTR.tenantId]: account.tenantId, [ATTR.userPlan]: 'pro' }
    expect(metrics.sum(METRICS.click, { ...stamped, ...click('alert_create', 'alert-go') })).toBe(7)
    expect(metrics.sum(METRICS.click, { ...stamped, ...click('alert_create', 'alert-clear') })).toBe(2)
    // Time spent carries the plan but not the tenant (the schema keeps tenant.id off histograms).
    const points = metrics.points(METRICS.timeSpent, { [ATTR.featureName]: 'alert_create' })
    expect(points.map((p) => p.attributes)).toEqual([
      { [ATTR.featureName]: 'alert_create', [ATTR.userPlan]: 'pro' },
    ])
    const histogram = metrics.histograms(METRICS.timeSpent, { [ATTR.featureName]: 'alert_create' })[0]
    expect(histogram?.count).toBe(3)
    expect(histogram?.sum).toBe(44_200)
    expect(histogram?.buckets.boundaries).toEqual(TIME_SPENT_BUCKETS_MS)
    expect(histogram?.buckets.counts).toEqual([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])
  })

  it('makes each user who visits a feature page active on it, once a day, with no user id in the series', async () => {
    const active = async (plan: string) =>
      (await api.metrics()).sum(METRICS.distinctUsers, {
        [ATTR.featureName]: 'report_export',
        [ATTR.userPlan]: plan,
        [ATTR.activityWindow]: '1d',
      })
    const before = await active('pro')
    const [a, b, c] = [await api.signup('pro'), await api.signup('pro'), await api.signup('pro')]
    for (const account of [a, b, a]) {
      const reply = await post(account, exportRequest(timeSpentMetric('report_export', [3000])))
      expect(reply.status).toBe(200)
    }
    // A click is no visit: c is not active on the feature.
    await post(c, exportRequest(clickMetric([{ attributes: click('report_export', 'go'), asInt: 1 }])))
    expect(await active('pro')).toBe(before + 2)
    const series = (await api.metrics()).points(METRICS.distinctUsers)
    for (const point of series) {
      expect(Object.keys(point.attributes).sort()).toEqual([
        ATTR.activityWindow,
        ATTR.featureName,
        ATTR.userPlan,
      ])
    }
  })

  it('takes the bearer token as well as the cookie', async () => {
    const account = await api.signup('free')
    const reply = await post(
      account,
      exportRequest(clickMetric([{ attributes: click('search', 'x'), asInt: 1 }])),
      false,
    )
    expect(reply.status).toBe(200)
  })
})

describe('abuse', () => {
  it('refuses a request without a session with 401', async () => {
    const reply = await post(
      undefined,
      exportRequest(clickMetric([{ attributes: click('search', 'x'), asInt: 1 }])),
    )
    expect(reply.status).toBe(401)
    expect(reply.body.error.code).toBe('unauthorized')
  })

  it('stamps the real tenant and plan over whatever the payload claims', async () => {
    const account = await api.signup('free')
    const forged = { [ATTR.tenantId]: 'someone-else', [ATTR.userPlan]: 'enterprise' }
    const reply = await post(
      account,
      exportRequest(
        clickMetric([{ attributes: click('report_export', 'forged', forged), asInt: 5 }]),
        timeSpentMetric('report_export', [2000], { extra: forged }),
      ),
    )
    expect(reply.status).toBe(200)
    const metrics = await api.metrics()
    expect(metrics.sum(METRICS.click, { [ATTR.tenantId]: 'someone-else' })).toBe(0)
    expect(metrics.count(METRICS.timeSpent, { [ATTR.tenantId]: 'someone-else' })).toBe(0)
    expect(
      metrics.sum(METRICS.click, {
        [ATTR.uiElement]: 'forged',
        [ATTR.tenantId]: account.tenantId,
        [ATTR.userPlan]: 'free',
      }),
    ).toBe(5)
    expect(
      metrics.count(METRICS.timeSpent, { [ATTR.featureName]: 'report_export', [ATTR.userPlan]: 'free' }),
    ).toBe(1)
    expect(
      metrics.count(METRICS.timeSpent, {
        [ATTR.featureName]: 'report_export',
        [ATTR.userPlan]: 'enterprise',
      }),
    ).toBe(0)
  })

  it('drops and counts unknown instruments, attributes, features, cumulative points and foreign buckets', async () => {
    const account = await api.signup('pro')
    const reasons = [
      'unknown_instrument',
      'unknown_attribute',
      'unknown_feature',
      'invalid_point',
      'value_too_long',
    ]
    const before = Object.fromEntries(
      await Promise.all(reasons.map(async (r) => [r, await dropped(r)] as const)),
    )
    const reply = await post(
      account,
      exportRequest(
        {
          name: 'product.feature.usage',
          sum: { aggregationTemporality: 1, dataPoints: [{ asInt: 1000 }, { asInt: 5 }] },
        },
        clickMetric([
          { attributes: click('search', 'ok'), asInt: 1 },
          { attributes: click('search', 'x', { 'user.email': 'a@b.example' }), asInt: 1 },
          { attributes: click('crypto_mining', 'x'), asInt: 1 },
          { attributes: click('search', 'x'.repeat(200)), asInt: 1 },
        ]),
        clickMetric([{ attributes: click('search', 'cumulative'), asInt: 9 }], CUMULATIVE),
        timeSpentMetric('search', [10], { bounds: [1, 2, 3] }),
      ),
    )
    expect(reply.status).toBe(200)
    expect(reply.body.partialSuccess.rejectedDataPoints).toBe(7)
    expect(reply.body.partialSuccess.errorMessage).toMatch(/unknown_instrument/)

    const metrics = await api.metrics()
    expect((await dropped('unknown_instrument')) - (before.unknown_instrument ?? 0)).toBe(2)
    expect((await dropped('unknown_attribute')) - (before.unknown_attribute ?? 0)).toBe(1)
    expect((await dropped('unknown_feature')) - (before.unknown_feature ?? 0)).toBe(1)
    expect((await dropped('value_too_long')) - (before.value_too_long ?? 0)).toBe(1)
    expect((await dropped('invalid_point')) - (before.invalid_point ?? 0)).toBe(2)
    // The good point in the same request still counts; nothing else from this tenant does.
    expect(metrics.sum(METRICS.click, { [ATTR.tenantId]: account.tenantId })).toBe(1)
    expect(metrics.sum(METRICS.usage, { [ATTR.tenantId]: account.tenantId })).toBe(0)
    for (const point of metrics.points(METRICS.click))
      expect(point.attributes).not.toHaveProperty('user.email')
  })

  it('caps distinct ui.element values per tenant: one tenant filling its budget blocks no one else', async () => {
    const [junk, honest] = [await api.signup('free'), await api.signup('free')]
    const before = await dropped('element_budget_exceeded')
    const points = Array.from({ length: 70 }, (_, i) => ({
      attributes: click('search', `junk-${i}`),
      asInt: 1,
    }))
    const reply = await post(junk, exportRequest(clickMetric(points)))
    // Past its 64 elements the tenant's clicks still count, under ui.element="_other".
    expect(reply.body.partialSuccess).toEqual({ rejectedDataPoints: 0 })
    expect((await dropped('element_budget_exceeded')) - before).toBe(6)
    const fresh = await post(
      honest,
      exportRequest(clickMetric([{ attributes: click('search', 'search-go'), asInt: 2 }])),
    )
    expect(fresh.body.partialSuccess).toEqual({ rejectedDataPoints: 0 })
    const metrics = await api.metrics()
    expect(metrics.points(METRICS.click, { [ATTR.tenantId]: junk.tenantId })).toHaveLength(65)
    expect(metrics.sum(METRICS.click, { [ATTR.tenantId]: junk.tenantId, [ATTR.uiElement]: '_other' })).toBe(6)
    expect(
      metrics.sum(METRICS.click, { [ATTR.tenantId]: honest.tenantId, [ATTR.uiElement]: 'search-go' }),
    ).toBe(2)
  })

  it('refuses browser points for features the tenant’s plan does not include', async () => {
    const free = await api.signup('free')
    const before = await dropped('feature_not_in_plan')
    const reply = await post(
      free,
      exportRequest(
        clickMetric([
          { attributes: click('sso_configure', 'sso-save'), asInt: 1 },
          { attributes: click('search', 'search-go'), asInt: 1 },
        ]),
        timeSpentMetric('audit_log_export', [5000]),
      ),
    )
    expect(reply.body.partialSuccess).toEqual({
      rejectedDataPoints: 2,
      errorMessage: 'dropped 2 feature_not_in_plan',
    })
    expect((await dropped('feature_not_in_plan')) - before).toBe(2)
    const metrics = await api.metrics()
    expect(metrics.sum(METRICS.click, { [ATTR.tenantId]: free.tenantId })).toBe(1)
    expect(
      metrics.histograms(METRICS.timeSpent, {
        [ATTR.featureName]: 'audit_log_export',
        [ATTR.userPlan]: 'free',
      }),
    ).toEqual([])
  })

  it('refuses a 1 MB body with 413 and a message naming the limit', async () => {
    const account = await api.signup('free')
    const huge = JSON.stringify(
      exportRequest(clickMetric([{ attributes: click('search', 'x'.repeat(1024 * 1024)), asInt: 1 }])),
    )
    const reply = await api.request('POST', '/v1/metrics', {
      rawBody: huge,
      cookie: `session=${account.token}`,
      headers: { 'content-type': 'application/json' },
    })
    expect(reply.status).toBe(413)
    expect(reply.body.error.code).toBe('payload_too_large')
    expect(reply.body.error.message).toContain('65536 bytes')
    expect((await api.request('GET', '/healthz')).status).toBe(200)
  })

  it('refuses other content types with 415', async () => {
    const account = await api.signup('free')
    const reply = await api.request('POST', '/v1/metrics', {
      rawBody: 'x',
      token: account.token,
      headers: { 'content-type': 'application/x-protobuf' },
    })
    expect(reply.status).toBe(415)
  })

  it('rate-limits a flood per user with 429 and Retry-After, without affecting other users', async () => {
    const limited = await startApi({ ingest: { ratePerSecond: 0.01, burst: 5 } })
    try {
      const flooder = await limited.signup('free')
      const bystander = await limited.signup('free')
      const body = exportRequest(clickMetric([{ attributes: click('search', 'flood'), asInt: 1 }]))
      const statuses: number[] = []
      let retryAfter: string | null = null
      for (let i = 0; i < 20; i++) {
        const reply = await limited.request('POST', '/v1/metrics', {
          body,
          cookie: `session=${flooder.token}`,
        })
        statuses.push(reply.status)
        if (reply.status === 429) retryAfter = reply.headers.get('retry-after')
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(5)
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(14)
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
      // Burst 5, then nothing refills in time: exactly 15 refusals, and at 0.01 tokens/s the next
      // token is about 100 s away.
      expect(statuses.filter((s) => s === 429)).toHaveLength(15)
      expect(Number(retryAfter)).toBeGreaterThan(90)
      expect(Number(retryAfter)).toBeLessThanOrEqual(100)
      expect((await limited.metrics()).sum(METRICS.click, { [ATTR.tenantId]: flooder.tenantId })).toBe(
        statuses.filter((s) => s === 200).length,
      )
      expect((await limited.metrics()).sum(METRICS.click, { [ATTR.tenantId]: flooder.tenantId })).toBe(5)
      const other = await limited.request('POST', '/v1/metrics', {
        body,
        cookie: `session=${bystander.token}`,
      })
      expect(other.status).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('answers random JSON with 2xx or 4xx, never 5xx, and stays healthy', async () => {
    const account = await api.signup('free')
    const metric = fc.record(
      {
        name: fc.oneof(fc.constantFrom(METRICS.click, METRICS.timeSpent, 'other'), fc.string()),
        sum: fc.anything(),
        histogram: fc.anything(),
      },
      { requiredKeys: ['name'] },
    )
    const otlpish = fc.record({
      resourceMetrics: fc.array(
        fc.record({
          scopeMetrics: fc.array(fc.record({ metrics: fc.array(fc.oneof(metric, fc.anything())) })),
        }),
      ),
    })
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), otlpish), async (payload) => {
        const reply = await api.request('POST', '/v1/metrics', {
          rawBody: JSON.stringify(payload) ?? 'null',
          cookie: `session=${account.token}`,
          headers: { 'content-type': 'application/json' },
        })
        expect(
          reply.status === 200 || (reply.status >= 400 && reply.status < 500),
          `${reply.status} ${JSON.stringify(reply.body)}`,
        ).toBe(true)
      }),
      { numRuns: 150 },
    )
    expect((await api.request('GET', '/healthz')).status).toBe(200)
    expect(
      (await post(account, exportRequest(clickMetric([{ attributes: click('search', 'after'), asInt: 1 }]))))
        .status,
    ).toBe(200)
  })
})

describe('one tenant budget', () => {
  it('folds the same tenants into _other for usage and for browser clicks', async () => {
    const small = await startApi({ ingest: { ratePerSecond: 1000, burst: 1000 } }, false, {
      aggregation: { maxTenants: 2 },
    })
    try {
      const accounts = [await small.signup('free'), await small.signup('free'), await small.signup('free')]
      // Two tenants spend the budget with clicks; the third then searches and clicks.
      for (const account of accounts.slice(0, 2)) {
        const body = exportRequest(clickMetric([{ attributes: click('search', 'search-go'), asInt: 1 }]))
        expect((await small.request('POST', '/v1/metrics', { token: account.token, body })).status).toBe(200)
      }
      const late = accounts[2] as Account
      expect((await small.request('GET', '/api/search?q=x', { token: late.token })).status).toBe(200)
      const body = exportRequest(clickMetric([{ attributes: click('search', 'search-go'), asInt: 1 }]))
      expect((await small.request('POST', '/v1/metrics', { token: late.token, body })).status).toBe(200)

      const metrics = await small.metrics()
      const search = { [ATTR.featureName]: 'search' }
      expect(metrics.sum(METRICS.usage, { ...search, [ATTR.tenantId]: late.tenantId })).toBe(0)
      expect(metrics.sum(METRICS.usage, { ...search, [ATTR.tenantId]: '_other' })).toBe(1)
      expect(metrics.sum(METRICS.click, { ...search, [ATTR.tenantId]: late.tenantId })).toBe(0)
      expect(metrics.sum(METRICS.click, { ...search, [ATTR.tenantId]: '_other' })).toBe(1)
    } finally {
      await small.close()
    }
  })
})
