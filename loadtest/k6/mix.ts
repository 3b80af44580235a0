/**
 * The scenario's plan shares and per-plan feature affinities turned into weights, and each feature's
 * request as the API's catalog serves it. Pure code: runs in k6's JavaScript runtime.
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

/** A feature as the API's `GET /api/features` serves it: its route and a call it accepts. */
export interface ServedFeature {
  name: string
  method: string
  path: string
  example: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown }
}

const encode = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&')

/**
 * The API's own example call for a feature; `ids` fills its `:name` segments by the kind of object
 * the catalog names (`{ dashboard: id }`). Nothing about a feature is repeated here.
 */
export function featureRequest(
  feature: ServedFeature,
  ids: Readonly<Record<string, string>>,
): FeatureRequest {
  const { params = {}, query, body } = feature.example
  const path = feature.path.replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent(ids[params[name] ?? ''] ?? ''),
  )
  const search = query ? encode(query) : ''
  return {
    method: feature.method === 'GET' ? 'GET' : 'POST',
    path: search ? `${path}?${search}` : path,
    body,
  }
}
