/**
 * Every catalog feature over real HTTP: success with its behaviour, the usage it records, validation
 * errors (400, recorded as feature.outcome=error), plan gating (403, not recorded), auth failures
 * (401, not recorded) and cancelled tenants (402, not recorded).
 */
import { ATTR, METRICS } from '@feature-analytics/schema'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CallInput,
  FEATURE_NAMES,
  FEATURES,
  type FeatureName,
  planIncludes,
  requiredPlan,
} from '../src/catalog.ts'
import { type Account, type Reply, startApi, type TestApi } from '../src/testing.ts'

let api: TestApi
beforeAll(async () => {
  api = await startApi()
})
afterAll(async () => {
  await api.close()
})

interface Call {
  path?: string
  body?: unknown
}

interface FeatureCase {
  /** A valid call; may prepare state first. */
  valid: (account: Account) => Promise<Call>
  status: number
  check: (reply: Reply, account: Account) => Promise<void> | void
  /** An invalid call and the field its 400 must name. */
  invalid: (account: Account) => Promise<Call>
  field: string
}

const createDashboard = async (account: Account, name = 'Revenue board') => {
  const reply = await api.request('POST', '/api/dashboards', { token: account.token, body: { name } })
  expect(reply.status).toBe(201)
  return reply.body.dashboard.id as string
}

interface Served {
  name: string
  method: string
  path: string
  example: CallInput
  invalid: CallInput
}

/** Calls a feature as `GET /api/features` describes it, filling `:name` segments from `ids`. */
const serve = (account: Account, feature: Served, input: CallInput, ids: Record<string, string>) => {
  const path = feature.path.replace(/:(\w+)/g, (_, name: string) => ids[input.params?.[name] ?? ''] ?? '')
  const query = new URLSearchParams(input.query as Record<string, string> | undefined).toString()
  return api.request(feature.method, query ? `${path}?${query}` : path, {
    token: account.token,
    ...(input.body === undefined ? {} : { body: input.body }),
  })
}

const CASES: Record<FeatureName, FeatureCase> = {
  dashboard_create: {
    valid: async () => ({ body: { name: 'Revenue board' } }),
    status: 201,
    check: async (reply, account) => {
      expect(reply.body.dashboard).toMatchObject({ name: 'Revenue board' })
      const stored = await api.store.list('dashboard', account.tenantId)
      expect(stored.map((d) => d.name)).toEqual(['Revenue board'])
    },
    invalid: async () => ({ body: { name: '' } }),
    field: 'name',
  },
  dashboard_share: {
    valid: async (account) => ({
      path: `/api/dashboards/${await createDashboard(account)}/share`,
      body: { email: 'Pat@Example.com' },
    }),
    status: 201,
    check: async (reply, account) => {
      expect(reply.body.share.email).toBe('pat@example.com')
      expect(await api.store.list('share', account.tenantId)).toHaveLength(1)
    },
    invalid: async (account) => ({
      path: `/api/dashboards/${await createDashboard(account)}/share`,
      body: { email: 'nope' },
    }),
    field: 'email',
  },
  search: {
    valid: async (account) => {
      await createDashboard(account, 'Quarterly Revenue')
      await createDashboard(account, 'Churn')
      return { path: '/api/search?q=revenue' }
    },
    status: 200,
    check: (reply) => {
      expect(reply.body.results).toEqual([
        expect.objectContaining({ type: 'dashboard', name: 'Quarterly Revenue' }),
      ])
    },
    invalid: async () => ({ path: '/api/search?q=' }),
    field: 'q',
  },
  report_export: {
    valid: async (account) => {
      await createDashboard(account, '=cmd|x')
      return { body: { format: 'csv' } }
    },
    status: 200,
    check: (reply) => {
      expect(reply.body.report).toMatchObject({ format: 'csv', rows: 1 })
      // A leading "=" would run as a spreadsheet formula: it is defused.
      const [header, row] = reply.body.content.split('\n')
      expect(header).toBe('"type","name","created_at"')
      expect(row).toMatch(/^"dashboard","'=cmd\|x","\d{4}-\d\d-\d\dT[\d:.]+Z"$/)
    },
    invalid: async () => ({ body: { format: 'docx' } }),
    field: 'format',
  },
  alert_create: {
    valid: async () => ({ body: { name: 'Errors', metric: 'http.errors', threshold: 5 } }),
    status: 201,
    check: async (reply, account) => {
      expect(reply.body.alert).toMatchObject({ name: 'Errors', metric: 'http.errors', threshold: 5 })
      expect(await api.store.list('alert', account.tenantId)).toHaveLength(1)
    },
    invalid: async () => ({ body: { name: 'Errors', metric: 'http.errors', threshold: 'high' } }),
    field: 'threshold',
  },
  integration_connect: {
    valid: async () => ({ body: { provider: 'slack' } }),
    status: 201,
    check: async (reply, account) => {
      expect(reply.body.integration.provider).toBe('slack')
      expect((await api.store.list('integration', account.tenantId)).map((i) => i.provider)).toEqual([
        'slack',
      ])
    },
    invalid: async () => ({ body: { provider: 'myspace' } }),
    field: 'provider',
  },
  team_invite: {
    valid: async () => ({ body: { email: 'new@example.com', role: 'member' } }),
    status: 201,
    check: async (reply, account) => {
      expect(reply.body.invite).toMatchObject({ email: 'new@example.com', role: 'member' })
      expect(JSON.stringify(reply.body)).not.toMatch(/token/i)
      expect(await api.store.list('invite', account.tenantId)).toHaveLength(1)
    },
    invalid: async () => ({ body: { email: 'new@example.com', role: 'god' } }),
    field: 'role',
  },
  api_key_create: {
    valid: async () => ({ body: { name: 'ci' } }),
    status: 201,
    check: async (reply, account) => {
      const key: string = reply.body.key
      expect(key).toMatch(/^fak_[\w-]{43}$/)
      const [stored] = await api.store.list('apiKey', account.tenantId)
      expect(stored?.prefix).toBe(key.slice(0, 10))
      expect(JSON.stringify(stored)).not.toContain(key)
    },
    invalid: async () => ({ body: {} }),
    field: 'name',
  },
  data_import: {
    valid: async () => ({ body: { source: 'csv', rows: ['signups,42', 'broken', 'churn,3'] } }),
    status: 201,
    check: (reply) => {
      expect(reply.body.import).toMatchObject({ accepted: 2, rejected: 1 })
      expect(reply.body.import.errors).toEqual([expect.objectContaining({ row: 1 })])
    },
    invalid: async () => ({ body: { source: 'csv', rows: Array.from({ length: 1001 }, () => 'a,1') } }),
    field: 'rows',
  },
  audit_log_export: {
    valid: async (account) => {
      await createDashboard(account)
      return { body: {} }
    },
    status: 200,
    check: (reply) => {
      expect(reply.body.entries.map((e: { action: string }) => e.action)).toEqual([
        'tenant.created',
        'dashboard.created',
      ])
    },
    invalid: async () => ({ body: { from: '2024-02-01T00:00:00Z', to: '2024-01-01T00:00:00Z' } }),
    field: 'to',
  },
  sso_configure: {
    valid: async () => ({ body: { provider: 'okta', domain: 'Example.com' } }),
    status: 200,
    check: async (reply, account) => {
      expect(reply.body.sso).toMatchObject({ provider: 'okta', domain: 'example.com' })
      expect(await api.store.list('sso', account.tenantId)).toHaveLength(1)
    },
    invalid: async () => ({ body: { provider: 'okta', domain: 'not a domain' } }),
    field: 'domain',
  },
}

const call = (
  account: Account | undefined,
  feature: FeatureName,
  { path, body }: Call,
  token = account?.token,
) =>
  api.request(FEATURES[feature].method, path ?? FEATURES[feature].path, {
    ...(token ? { token } : {}),
    ...(body === undefined ? {} : { body }),
  })

const usage = async (feature: FeatureName, tenantId: string, outcome?: 'success' | 'error') =>
  (await api.metrics()).sum(METRICS.usage, {
    [ATTR.featureName]: feature,
    [ATTR.tenantId]: tenantId,
    ...(outcome ? { [ATTR.outcome]: outcome } : {}),
  })

describe.each(FEATURE_NAMES)('%s', (feature) => {
  const spec = CASES[feature]

  it('succeeds for a plan that includes it and records usage and latency', async () => {
    const account = await api.signup('enterprise')
    // Latency carries no tenant.id (kept off histograms), so other tests' calls share the series.
    const latencyOf = async () =>
      (await api.metrics()).count(METRICS.latency, {
        [ATTR.featureName]: feature,
        [ATTR.userPlan]: 'enterprise',
      })
    const latencyBefore = await latencyOf()
    const reply = await call(account, feature, await spec.valid(account))
    expect(reply.status, JSON.stringify(reply.body)).toBe(spec.status)
    await spec.check(reply, account)
    const metrics = await api.metrics()
    const attributes = {
      [ATTR.featureName]: feature,
      [ATTR.featureCategory]: FEATURES[feature].category,
      [ATTR.userPlan]: 'enterprise',
      [ATTR.tenantId]: account.tenantId,
      [ATTR.outcome]: 'success',
    }
    expect(metrics.sum(METRICS.usage, attributes)).toBe(1)
    expect(
      metrics.count(METRICS.latency, { [ATTR.featureName]: feature, [ATTR.userPlan]: 'enterprise' }),
    ).toBeGreaterThanOrEqual(1)
    // Exactly this call's sample (setup in spec.valid may use other features, not this one).
    expect((await latencyOf()) - latencyBefore).toBe(1)
    for (const point of metrics.points(METRICS.usage))
      expect(point.attributes).not.toHaveProperty(ATTR.userId)
  })

  it('answers invalid input with 400 validation_error naming the field, recorded as an error', async () => {
    const account = await api.signup('enterprise')
    const reply = await call(account, feature, await spec.invalid(account))
    expect(reply.status).toBe(400)
    expect(reply.body.error.code).toBe('validation_error')
    expect(reply.body.error.message).toMatch(new RegExp(`^${spec.field}\\b`))
    expect(reply.body.error.field).toBe(spec.field)
    expect(await usage(feature, account.tenantId, 'error')).toBe(1)
  })

  const gated = (['free', 'pro'] as const).filter((plan) => !planIncludes(plan, feature))
  // Features every plan has cannot be gated; the others are checked for each plan that lacks them.
  if (gated.length > 0)
    it(`refuses ${gated.join(' and ')} with 403 plan_required, recording nothing`, async () => {
      for (const plan of gated) {
        const account = await api.signup(plan)
        const reply = await call(account, feature, await spec.valid({ ...account, plan }).catch(() => ({})))
        expect(reply.status).toBe(403)
        expect(reply.body.error).toMatchObject({
          code: 'plan_required',
          plan: requiredPlan(feature),
          currentPlan: plan,
        })
        expect(reply.body.error.message).toContain(`requires the ${requiredPlan(feature)} plan`)
        expect(await usage(feature, account.tenantId)).toBe(0)
      }
    })

  it('refuses calls without a valid session with 401, recording nothing', async () => {
    const before = (await api.metrics()).sum(METRICS.usage, { [ATTR.featureName]: feature })
    const account = await api.signup('enterprise')
    const valid = await spec.valid(account)
    for (const token of [undefined, 'fas_not-a-real-token']) {
      const reply = await call(undefined, feature, valid, token)
      expect(reply.status).toBe(401)
      expect(reply.body.error.code).toBe('unauthorized')
    }
    expect((await api.metrics()).sum(METRICS.usage, { [ATTR.featureName]: feature })).toBe(before)
  })

  it('refuses a cancelled tenant with 402, recording nothing', async () => {
    const account = await api.signup('enterprise')
    const valid = await spec.valid(account)
    expect((await api.request('POST', '/api/billing/cancel', { token: account.token })).status).toBe(200)
    const reply = await call(account, feature, valid)
    expect(reply.status).toBe(402)
    expect(reply.body.error.code).toBe('subscription_cancelled')
    expect(await usage(feature, account.tenantId)).toBe(0)
  })
})

describe('feature specifics', () => {
  it('never lets one tenant reach another tenant’s dashboard', async () => {
    const owner = await api.signup('pro')
    const intruder = await api.signup('pro')
    const id = await createDashboard(owner)
    const reply = await api.request('POST', `/api/dashboards/${id}/share`, {
      token: intruder.token,
      body: { email: 'x@example.com' },
    })
    expect(reply.status).toBe(404)
    expect(await api.store.list('share', owner.tenantId)).toHaveLength(0)
  })

  it('filters the audit log export by its window', async () => {
    const account = await api.signup('enterprise')
    const future = new Date(Date.now() + 3_600_000).toISOString()
    const reply = await api.request('POST', '/api/audit-log/export', {
      token: account.token,
      body: { from: future },
    })
    expect(reply.body).toEqual({ count: 0, entries: [] })
  })

  it('serves the catalog the routes are built from', async () => {
    const reply = await api.request('GET', '/api/features')
    expect(reply.status).toBe(200)
    expect(reply.body.features).toHaveLength(11)
    expect(reply.body.features).toContainEqual({
      name: 'dashboard_share',
      category: 'dashboards',
      plans: ['pro', 'enterprise'],
      method: 'POST',
      path: '/api/dashboards/:id/share',
      example: { params: { id: 'dashboard' }, body: { email: 'colleague@example.com' } },
      invalid: { params: { id: 'dashboard' }, body: { email: 'not-an-email' } },
    })
  })

  it('accepts every served example call and refuses every served invalid one with 400', async () => {
    const { features } = (await api.request('GET', '/api/features')).body as { features: Served[] }
    const account = await api.signup('enterprise')
    const ids: Record<string, string> = { dashboard: await createDashboard(account) }
    for (const feature of features) {
      const example = await serve(account, feature, feature.example, ids)
      expect(example.status, `${feature.name} example`).toBeGreaterThanOrEqual(200)
      expect(example.status, `${feature.name} example`).toBeLessThan(300)
      expect((await serve(account, feature, feature.invalid, ids)).status, `${feature.name} invalid`).toBe(
        400,
      )
    }
  })

  it('records adoption stages as a user keeps using a feature', async () => {
    const account = await api.signup('pro')
    // Stage series carry no tenant (feature x stage x plan): compare with what was there before.
    const stagesNow = async () => {
      const metrics = await api.metrics()
      return (name: string) =>
        metrics.sum(METRICS.adoptionStage, {
          [ATTR.featureName]: 'dashboard_create',
          [ATTR.adoptionStage]: name,
          [ATTR.userPlan]: 'pro',
        })
    }
    const before = await stagesNow()
    for (let i = 0; i < 3; i++) await createDashboard(account, `Board ${i}`)
    const stage = await stagesNow()
    expect(stage('discovered')).toBeGreaterThanOrEqual(1)
    expect(stage('activated')).toBeGreaterThanOrEqual(1)
    // This user's three uses: discovered at 1, activated at 3, not yet adopted (10).
    expect(stage('discovered') - before('discovered')).toBe(1)
    expect(stage('activated') - before('activated')).toBe(1)
    expect(stage('adopted') - before('adopted')).toBe(0)
  })
})
