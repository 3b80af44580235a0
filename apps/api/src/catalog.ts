/**
 * The feature catalog: the one list the routes, the plan gating, the tracker and `GET /api/features`
 * all read, so a feature cannot be routed, gated and tracked under three different names.
 */
import { PLANS, type Plan } from '@feature-analytics/schema'

export interface FeatureSpec {
  readonly category: string
  readonly plans: readonly Plan[]
  readonly method: 'GET' | 'POST'
  readonly path: string
}

const ALL: readonly Plan[] = ['free', 'pro', 'enterprise']
const PAID: readonly Plan[] = ['pro', 'enterprise']
const ENTERPRISE: readonly Plan[] = ['enterprise']

export const FEATURES = {
  dashboard_create: { category: 'dashboards', plans: ALL, method: 'POST', path: '/api/dashboards' },
  dashboard_share: { category: 'dashboards', plans: PAID, method: 'POST', path: '/api/dashboards/:id/share' },
  search: { category: 'discovery', plans: ALL, method: 'GET', path: '/api/search' },
  report_export: { category: 'reporting', plans: ALL, method: 'POST', path: '/api/reports/export' },
  alert_create: { category: 'monitoring', plans: PAID, method: 'POST', path: '/api/alerts' },
  integration_connect: { category: 'integrations', plans: PAID, method: 'POST', path: '/api/integrations' },
  team_invite: { category: 'collaboration', plans: ALL, method: 'POST', path: '/api/team/invites' },
  api_key_create: { category: 'developer', plans: PAID, method: 'POST', path: '/api/api-keys' },
  data_import: { category: 'data', plans: PAID, method: 'POST', path: '/api/imports' },
  audit_log_export: {
    category: 'security',
    plans: ENTERPRISE,
    method: 'POST',
    path: '/api/audit-log/export',
  },
  sso_configure: { category: 'security', plans: ENTERPRISE, method: 'POST', path: '/api/sso' },
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
    const { category, plans, method, path } = FEATURES[name]
    return { name, category, plans: [...plans], method, path }
  })
