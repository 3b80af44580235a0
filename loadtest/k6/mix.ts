/**
 * The scenario's plan shares and per-plan feature affinities turned into weights, plus one valid
 * request per feature (routes as in docs/interfaces.md). Pure code: runs in k6's JavaScript runtime.
 */
export type Plan = 'free' | 'pro' | 'enterprise'

export interface Scenario {
  plans: Record<Plan, { share: number; affinity: Record<string, number> }>
}

export type Weights<T extends string> = ReadonlyArray<readonly [T, number]>

export interface PlanMix {
  plans: Plan[]
  planWeights: Weights<Plan>
  featureWeights: Record<Plan, Weights<string>>
}

export function planMix(scenario: Scenario): PlanMix {
  const plans = Object.keys(scenario.plans) as Plan[]
  const featureWeights = {} as Record<Plan, Weights<string>>
  for (const plan of plans) featureWeights[plan] = Object.entries(scenario.plans[plan].affinity)
  return { plans, planWeights: plans.map((p) => [p, scenario.plans[p].share] as const), featureWeights }
}

export function pickWeighted<T extends string>(weights: Weights<T>): T {
  const total = weights.reduce((sum, [, w]) => sum + w, 0)
  let r = Math.random() * total
  for (const [value, w] of weights) {
    r -= w
    if (r <= 0) return value
  }
  return (weights[weights.length - 1] as readonly [T, number])[0]
}

export interface FeatureRequest {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
}

export function featureRequest(feature: string, dashboardId: string): FeatureRequest {
  const n = Math.floor(Math.random() * 1e6)
  switch (feature) {
    case 'dashboard_create':
      return { method: 'POST', path: '/api/dashboards', body: { name: `board ${n}` } }
    case 'dashboard_share':
      return {
        method: 'POST',
        path: `/api/dashboards/${dashboardId}/share`,
        body: { email: `peer${n}@example.com` },
      }
    case 'search':
      return { method: 'GET', path: `/api/search?q=board` }
    case 'report_export':
      return { method: 'POST', path: '/api/reports/export', body: { format: 'csv' } }
    case 'alert_create':
      return {
        method: 'POST',
        path: '/api/alerts',
        body: { name: `alert ${n}`, metric: 'cpu.usage', threshold: 90 },
      }
    case 'integration_connect':
      return { method: 'POST', path: '/api/integrations', body: { provider: 'slack' } }
    case 'team_invite':
      return {
        method: 'POST',
        path: '/api/team/invites',
        body: { email: `invite${n}@example.com`, role: 'member' },
      }
    case 'api_key_create':
      return { method: 'POST', path: '/api/api-keys', body: { name: `key ${n}` } }
    case 'data_import':
      return { method: 'POST', path: '/api/imports', body: { source: 'json', rows: [{ id: n, value: 'x' }] } }
    case 'audit_log_export':
      return { method: 'POST', path: '/api/audit-log/export', body: {} }
    case 'sso_configure':
      return { method: 'POST', path: '/api/sso', body: { provider: 'okta', domain: 'example.com' } }
    default:
      throw new Error(`k6 mix: no request for feature ${feature}; add it to loadtest/k6/mix.ts`)
  }
}
