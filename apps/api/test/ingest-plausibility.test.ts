/**
 * Browser points must be consistent before they merge: a histogram sum its buckets can hold, a
 * timestamp near now, and clicks and visits a person could produce per request and per session.
 * A refused point is counted with its reason, and nothing already recorded is touched.
 */
import { ATTR, METRICS } from '@feature-analytics/schema'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_CLICKS_PER_SESSION_WINDOW } from '../src/ingest/session-budget.ts'

/** A third of the session's window, the most one request may carry. */
const MAX_CLICKS_PER_REQUEST = MAX_CLICKS_PER_SESSION_WINDOW / 3

import { type Account, startApi, type TestApi } from '../src/testing.ts'
import { click, clickMetric, exportRequest, interval, timeSpentMetric } from './otlp.ts'

let api: TestApi
beforeAll(async () => {
  api = await startApi({ ingest: { ratePerSecond: 1000, burst: 1000 } })
})
afterAll(() => api.close())

const post = (account: Account, body: unknown) =>
  api.request('POST', '/v1/metrics', { body, cookie: `session=${account.token}` })

const dropped = async (reason: string) =>
  (await api.metrics()).sum(METRICS.dropped, { [ATTR.reason]: reason })

/** A time_spent metric whose one point says whatever `point` overrides. */
const forged = (feature: string, point: Record<string, unknown>) => {
  const metric = timeSpentMetric(feature, [500])
  Object.assign(metric.histogram.dataPoints[0] as object, point)
  return metric
}

const timeSpent = async (feature: string, plan: string) =>
  (await api.metrics()).histograms(METRICS.timeSpent, {
    [ATTR.featureName]: feature,
    [ATTR.userPlan]: plan,
  })[0]

describe('histogram points', () => {
  it('refuses a sum of 1e308 in the <= 1000 ms bucket, and the shared series stays as it was', async () => {
    const honest = await api.signup('pro')
    expect((await post(honest, exportRequest(timeSpentMetric('search', [800, 20_000])))).status).toBe(200)
    const before = await timeSpent('search', 'pro')
    expect(before?.sum).toBe(20_800)

    const attacker = await api.signup('pro')
    const droppedBefore = await dropped('inconsistent_point')
    const reply = await post(attacker, exportRequest(forged('search', { sum: 1e308 })))
    expect(reply.status).toBe(200)
    expect(reply.body.partialSuccess).toEqual({
      rejectedDataPoints: 1,
      errorMessage: 'dropped 1 inconsistent_point',
    })
    expect((await dropped('inconsistent_point')) - droppedBefore).toBe(1)
    const after = await timeSpent('search', 'pro')
    expect(after?.sum).toBe(20_800)
    expect(after?.count).toBe(2)
    expect(Number.isFinite(after?.sum)).toBe(true)
  })

  it('refuses sums below the buckets, and a min or max outside their buckets', async () => {
    const account = await api.signup('enterprise')
    const droppedBefore = await dropped('inconsistent_point')
    const cases = [
      forged('sso_configure', { bucketCounts: ['0', '1', ...Array(9).fill('0')], sum: 10, min: 10, max: 10 }),
      forged('sso_configure', { min: 2000 }),
      forged('sso_configure', { max: 1e9 }),
      // The overflow bucket (> 1 h) still ends at a day: a visit is not a year long.
      forged('sso_configure', { bucketCounts: [...Array(10).fill('0'), '1'], sum: 4e8, min: 4e8, max: 4e8 }),
    ]
    const reply = await post(account, exportRequest(...cases))
    expect(reply.body.partialSuccess.rejectedDataPoints).toBe(cases.length)
    expect((await dropped('inconsistent_point')) - droppedBefore).toBe(cases.length)
    expect(await timeSpent('sso_configure', 'enterprise')).toBeUndefined()
  })

  it('takes honest points at the edges: a value on a bound, a two-hour visit', async () => {
    const account = await api.signup('enterprise')
    const reply = await post(
      account,
      exportRequest(timeSpentMetric('audit_log_export', [1000, 7_200_000, 0])),
    )
    expect(reply.body.partialSuccess).toEqual({ rejectedDataPoints: 0 })
    expect((await timeSpent('audit_log_export', 'enterprise'))?.sum).toBe(7_201_000)
  })
})

describe('counts per request and per session', () => {
  it('refuses 300 identical points of 10,000 clicks in one request', async () => {
    const account = await api.signup('pro')
    const droppedBefore = await dropped('over_rate')
    // Without startTimeUnixNano (optional in OTLP), 300 points fit the 64 KiB body limit.
    const points = Array.from({ length: 300 }, () => ({
      attributes: click('dashboard_share', 'share'),
      asInt: 10_000,
      startTimeUnixNano: undefined,
    }))
    const body = exportRequest(clickMetric(points))
    expect(JSON.stringify(body).length).toBeLessThan(64 * 1024)
    const reply = await post(account, body)
    expect(reply.body.partialSuccess.rejectedDataPoints).toBe(300)
    expect((await dropped('over_rate')) - droppedBefore).toBe(300)
    expect((await api.metrics()).sum(METRICS.click, { [ATTR.tenantId]: account.tenantId })).toBe(0)
  })

  it(`keeps a session within ${MAX_CLICKS_PER_SESSION_WINDOW} clicks per window, and other sessions unaffected`, async () => {
    const [busy, other] = [await api.signup('pro'), await api.signup('pro')]
    const batch = exportRequest(
      clickMetric([{ attributes: click('alert_create', 'go'), asInt: MAX_CLICKS_PER_REQUEST }]),
    )
    const answers = []
    for (let i = 0; i < 5; i++) answers.push((await post(busy, batch)).body.partialSuccess.rejectedDataPoints)
    const whole = Math.floor(MAX_CLICKS_PER_SESSION_WINDOW / MAX_CLICKS_PER_REQUEST)
    expect(answers).toEqual([...Array(whole).fill(0), ...Array(5 - whole).fill(1)])
    const metrics = await api.metrics()
    expect(metrics.sum(METRICS.click, { [ATTR.tenantId]: busy.tenantId })).toBe(
      whole * MAX_CLICKS_PER_REQUEST,
    )
    expect((await post(other, batch)).body.partialSuccess.rejectedDataPoints).toBe(0)
  })
})

describe('timestamps', () => {
  it('refuses points from the future, from long ago, without a time, or ending before they start', async () => {
    const account = await api.signup('free')
    const now = Date.now()
    const at = (overrides: Record<string, unknown>) =>
      clickMetric([{ attributes: click('search', 'when'), asInt: 1, ...overrides } as never])
    const droppedBefore = await dropped('invalid_timestamp')
    const cases = [
      at(interval(now + 3600_000)),
      at(interval(now - 2 * 3600_000)),
      at({ timeUnixNano: undefined }),
      at({ startTimeUnixNano: `${now}000000`, timeUnixNano: `${now - 1000}000000` }),
    ]
    const reply = await post(account, exportRequest(...cases))
    expect(reply.body.partialSuccess.rejectedDataPoints).toBe(cases.length)
    expect((await dropped('invalid_timestamp')) - droppedBefore).toBe(cases.length)
    const fine = await post(account, exportRequest(at(interval(now - 60_000))))
    expect(fine.body.partialSuccess).toEqual({ rejectedDataPoints: 0 })
  })
})
