/**
 * k6 load test for the sample API with the simulator's feature mix: each virtual user belongs to a
 * tenant whose plan is drawn with the scenario's plan shares, and calls features with the scenario's
 * per-plan affinities, so a load test and a simulation stress the same paths in the same proportions.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 loadtest/k6/feature-mix.ts
 *   docker compose --profile load run --rm k6
 */
import { check } from 'k6'
import exec from 'k6/execution'
import http from 'k6/http'
import { featureRequest, type Plan, pickWeighted, planMix, type Scenario, type ServedFeature } from './mix.ts'

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:3000'
const scenario: Scenario = JSON.parse(open(__ENV.SCENARIO ?? '../../apps/simulator/scenarios/default.json'))
const mix = planMix(scenario)

export const options = {
  scenarios: {
    feature_mix: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE ?? 200),
      timeUnit: '1s',
      duration: __ENV.DURATION ?? '1m',
      preAllocatedVUs: Number(__ENV.VUS ?? 20),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{kind:feature}': ['p(95)<250'],
  },
}

interface Tenant {
  plan: Plan
  token: string
  /** Ids of what the tenant created, by kind, for the catalog's `:name` segments. */
  ids: Record<string, string>
}

interface Setup {
  tenants: Tenant[]
  /** The API's catalog: each feature's route and an example call. */
  features: ServedFeature[]
}

const json = (token?: string) => ({
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
})

/** The catalog, and one tenant per plan, each with a dashboard to share; k6 hands it to every VU. */
export function setup(): Setup {
  const catalog = http.get(`${BASE_URL}/api/features`)
  if (catalog.status !== 200) exec.test.abort(`GET /api/features failed: ${catalog.status} ${catalog.body}`)
  const features = (catalog.json('features') as unknown as ServedFeature[]) ?? []
  const run = Date.now().toString(36)
  const tenants = mix.plans.map((plan) => {
    const signup = http.post(
      `${BASE_URL}/api/signup`,
      JSON.stringify({
        company: `k6 ${plan} ${run}`,
        name: 'k6',
        email: `k6-${plan}-${run}@example.com`,
        password: 'k6-load-test-password',
        plan,
      }),
      json(),
    )
    if (signup.status !== 201) exec.test.abort(`signup failed: ${signup.status} ${signup.body}`)
    const token = (signup.json('token') as string) ?? ''
    const dashboard = http.post(
      `${BASE_URL}/api/dashboards`,
      JSON.stringify({ name: 'k6 board' }),
      json(token),
    )
    return { plan, token, ids: { dashboard: (dashboard.json('dashboard.id') as string) ?? '' } }
  })
  return { tenants, features }
}

export default function ({ tenants, features }: Setup): void {
  const plan = pickWeighted(mix.planWeights)
  const tenant = tenants.find((t) => t.plan === plan) ?? (tenants[0] as Tenant)
  const feature = pickWeighted(mix.featureWeights[plan])
  const served = features.find((f) => f.name === feature)
  if (!served) exec.test.abort(`the API serves no feature ${feature}, which the scenario names`)
  const request = featureRequest(served as ServedFeature, tenant.ids)
  const url = `${BASE_URL}${request.path}`
  const params = { ...json(tenant.token), tags: { kind: 'feature', feature } }
  const res =
    request.method === 'GET' ? http.get(url, params) : http.post(url, JSON.stringify(request.body), params)
  check(res, { 'feature call succeeded': (r) => r.status >= 200 && r.status < 300 })
}
