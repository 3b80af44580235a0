/** Plan changes, renewals and cancellations, and the adoption metrics they produce. */
import { ATTR, METRICS } from '@feature-analytics/schema'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Account, startApi, type TestApi } from '../src/testing.ts'

let api: TestApi
beforeAll(async () => {
  api = await startApi()
})
afterAll(async () => {
  await api.close()
})

const use = async (account: Account) => {
  expect(
    (await api.request('POST', '/api/integrations', { token: account.token, body: { provider: 'jira' } }))
      .status,
  ).toBe(201)
  expect((await api.request('GET', '/api/search?q=x', { token: account.token })).status).toBe(200)
}

it('upgrades: product.plan.change +1 and prior_usage for each feature used on the previous plan', async () => {
  const metricsBefore = await api.metrics()
  const change = { [ATTR.planFrom]: 'pro', [ATTR.planTo]: 'enterprise' }
  const before = {
    changes: metricsBefore.sum(METRICS.planChange, change),
    integration: metricsBefore.sum(METRICS.upgradePriorUsage, {
      ...change,
      [ATTR.featureName]: 'integration_connect',
    }),
    search: metricsBefore.sum(METRICS.upgradePriorUsage, { ...change, [ATTR.featureName]: 'search' }),
  }
  const account = await api.signup('pro')
  await use(account)
  const reply = await api.request('POST', '/api/billing/plan', {
    token: account.token,
    body: { plan: 'enterprise' },
  })
  expect(reply.status).toBe(200)
  expect(reply.body.tenant).toMatchObject({ id: account.tenantId, plan: 'enterprise', status: 'active' })

  const metrics = await api.metrics()
  expect(metrics.sum(METRICS.planChange, change)).toBe(before.changes + 1)
  expect(
    metrics.sum(METRICS.upgradePriorUsage, { ...change, [ATTR.featureName]: 'integration_connect' }),
  ).toBe(before.integration + 1)
  expect(metrics.sum(METRICS.upgradePriorUsage, { ...change, [ATTR.featureName]: 'search' })).toBe(
    before.search + 1,
  )
  expect(metrics.sum(METRICS.upgradePriorUsage, { ...change, [ATTR.featureName]: 'sso_configure' })).toBe(0)

  // The new plan applies at once: an enterprise feature now works.
  const sso = await api.request('POST', '/api/sso', {
    token: account.token,
    body: { provider: 'google', domain: 'a.example' },
  })
  expect(sso.status).toBe(200)
})

it('downgrades, and then gates what the lower plan lacks', async () => {
  const account = await api.signup('pro')
  // Plan changes carry no tenant: count this one as the difference it makes.
  const downgrades = async () =>
    (await api.metrics()).sum(METRICS.planChange, { [ATTR.planFrom]: 'pro', [ATTR.planTo]: 'free' })
  const before = await downgrades()
  const reply = await api.request('POST', '/api/billing/plan', {
    token: account.token,
    body: { plan: 'free' },
  })
  expect(reply.status).toBe(200)
  expect(
    (await api.metrics()).sum(METRICS.planChange, { [ATTR.planFrom]: 'pro', [ATTR.planTo]: 'free' }),
  ).toBeGreaterThanOrEqual(1)
  expect((await downgrades()) - before).toBe(1)
  const alert = await api.request('POST', '/api/alerts', {
    token: account.token,
    body: { name: 'a', metric: 'm', threshold: 1 },
  })
  expect(alert.status).toBe(403)
})

it('refuses an unchanged or unknown plan', async () => {
  const account = await api.signup('free')
  const same = await api.request('POST', '/api/billing/plan', {
    token: account.token,
    body: { plan: 'free' },
  })
  expect(same.status).toBe(409)
  expect(same.body.error.code).toBe('plan_unchanged')
  const unknown = await api.request('POST', '/api/billing/plan', {
    token: account.token,
    body: { plan: 'gold' },
  })
  expect(unknown.status).toBe(400)
  expect(unknown.body.error.field).toBe('plan')
})

it('renews: retention outcome "retained" for each feature used on the current plan', async () => {
  const account = await api.signup('pro')
  const retained = {
    [ATTR.userPlan]: 'pro',
    [ATTR.retentionOutcome]: 'retained',
    [ATTR.featureName]: 'integration_connect',
  }
  const before = (await api.metrics()).sum(METRICS.retentionOutcome, retained)
  await use(account)
  const reply = await api.request('POST', '/api/billing/renew', { token: account.token })
  expect(reply.status).toBe(200)
  expect((await api.metrics()).sum(METRICS.retentionOutcome, retained)).toBe(before + 1)
})

it('cancels: retention outcome "churned", the tenant is cancelled, and billing then answers 402', async () => {
  const account = await api.signup('enterprise')
  const churned = {
    [ATTR.userPlan]: 'enterprise',
    [ATTR.retentionOutcome]: 'churned',
    [ATTR.featureName]: 'search',
  }
  const before = (await api.metrics()).sum(METRICS.retentionOutcome, churned)
  await use(account)
  const reply = await api.request('POST', '/api/billing/cancel', { token: account.token })
  expect(reply.status).toBe(200)
  expect(reply.body.tenant.status).toBe('cancelled')
  expect((await api.metrics()).sum(METRICS.retentionOutcome, churned)).toBe(before + 1)
  for (const path of ['/api/billing/cancel', '/api/billing/renew']) {
    expect((await api.request('POST', path, { token: account.token })).status).toBe(402)
  }
  // Still able to sign in and see the account.
  expect((await api.request('GET', '/api/me', { token: account.token })).body.tenant.status).toBe('cancelled')
})

it('requires a session', async () => {
  const reply = await api.request('POST', '/api/billing/renew')
  expect(reply.status).toBe(401)
})
