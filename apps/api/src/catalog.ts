/**
 * The feature catalog: the one list the routes, the plan gating, the tracker and `GET /api/features`
 * all read, so a feature cannot be routed, gated and tracked under three different names.
 */
import { PLANS, type Plan } from '@feature-analytics/schema'

/**
 * How to call a feature: values for the route's `:name` segments, query parameters, a JSON body.
 * In the catalog a param's value names the kind of object whose id the caller fills in
 * (`{ id: 'dashboard' }`: one of the tenant's dashboards).
 */
export interface CallInput {
  readonly params?: Readonly<Record<string, string>>
  readonly query?: Readonly<Record<string, string>>
  readonly body?: unknown
}

export interface FeatureSpec {
  readonly category: string
  readonly plans: readonly Plan[]
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** A call the feature accepts (2xx), and one its validation refuses (400). */
  readonly example: CallInput
  readonly invalid: CallInput
}

const ALL: readonly Plan[] = ['free', 'pro', 'enterprise']
const PAID: readonly Plan[] = ['pro', 'enterprise']
const ENTERPRISE: readonly Plan[] = ['enterprise']
const A_DASHBOARD = { id: 'dashboard' }

/**
 * The one description of every feature: routes and plan gating for the server, and how to call it
 * for every client (the web app, the simulator, the k6 mix and the tests read it from
 * `GET /api/features`).
 */
export const FEATURES = {
  dashboard_create: {
    category: 'dashboards',
    plans: ALL,
    method: 'POST',
    path: '/api/dashboards',
    example: { body: { name: 'Weekly revenue' } },
    invalid: { body: { name: '' } },
  },
  dashboard_share: {
    category: 'dashboards',
    plans: PAID,
    method: 'POST',
    path: '/api/dashboards/:id/share',
    example: { params: A_DASHBOARD, body: { email: 'colleague@example.com' } },
    invalid: { params: A_DASHBOARD, body: { email: 'not-an-email' } },
  },
  search: {
    category: 'discovery',
    plans: ALL,
    method: 'GET',
    path: '/api/search',
    example: { query: { q: 'revenue' } },
    invalid: { query: {} },
  },
  report_export: {
    category: 'reporting',
    plans: ALL,
    method: 'POST',
    path: '/api/reports/export',
    example: { body: { format: 'csv' } },
    invalid: { body: { format: 'docx' } },
  },
  alert_create: {
    category: 'monitoring',
    plans: PAID,
    method: 'POST',
    path: '/api/alerts',
    example: { body: { name: 'High error rate', metric: 'http.errors', threshold: 5 } },
    invalid: { body: { name: 'High error rate', metric: 'http.errors', threshold: 'high' } },
  },
  integration_connect: {
    category: 'integrations',
    plans: PAID,
    method: 'POST',
    path: '/api/integrations',
    example: { body: { provider: 'slack' } },
    invalid: { body: { provider: 'myspace' } },
  },
  team_invite: {
    category: 'collaboration',
    plans: ALL,
    method: 'POST',
    path: '/api/team/invites',
    example: { body: { email: 'new.hire@example.com', role: 'member' } },
    invalid: { body: { email: 'new.hire@example.com', role: 'owner' } },
  },
  api_key_create: {
    category: 'developer',
    plans: PAID,
    method: 'POST',
    path: '/api/api-keys',
    example: { body: { name: 'ci-pipeline' } },
    invalid: { body: {} },
  },
  data_import: {
    category: 'data',
    plans: PAID,
    method: 'POST',
    path: '/api/imports',
    example: { body: { source: 'csv', rows: ['signups,42', 'churned,3'] } },
    invalid: { body: { source: 'json', rows: [] } },
  },
  audit_log_export: {
    category: 'security',
    plans: ENTERPRISE,
    method: 'POST',
    path: '/api/audit-log/export',
    example: { body: {} },
    invalid: { body: { from: 'yesterday' } },
  },
  sso_configure: {
    category: 'security',
    plans: ENTERPRISE,
    method: 'POST',
    path: '/api/sso',
    example: { body: { provider: 'okta', domain: 'example.com' } },
    invalid: { body: { provider: 'okta', domain: 'not a domain' } },
  },
} as const satisfies Record<string, FeatureSpec>

export type FeatureName = keyof typeof FEATURES

export const FEATURE_NAMES = Object.keys(FEATURES) as FeatureName[]

export const isFeatureName = (value: unknown): value is FeatureName =>
  typeof value === 'string' && Object.hasOwn(FEATURES, value)

/** The cheapest plan that includes the feature: what a 403 tells the caller to upgrade to. */
export const requiredPlan = (feature: FeatureName): Plan => {
  const plans: readonly Plan[] = FEATURES[feature].plans
  return PLANS.find((plan) => plans.includes(plan)) ?? 'enterprise'
}

export const planIncludes = (plan: Plan, feature: FeatureName): boolean =>
  (FEATURES[feature].plans as readonly Plan[]).includes(plan)

/** The shape `createFeatureTracker({ catalog })` takes. */
export const trackerCatalog = (): Record<FeatureName, { category: string }> =>
  Object.fromEntries(FEATURE_NAMES.map((name) => [name, { category: FEATURES[name].category }])) as Record<
    FeatureName,
    { category: string }
  >

/** The public listing served by `GET /api/features`. */
export const catalogListing = () =>
  FEATURE_NAMES.map((name) => {
    const { category, plans, method, path, example, invalid } = FEATURES[name]
    return { name, category, plans: [...plans], method, path, example, invalid }
  })
