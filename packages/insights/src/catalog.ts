/**
 * The query catalog: the product questions, each as one PromQL expression with a name and a
 * description. Grafana dashboards, the report CLI and the end-to-end checks read these strings;
 * the embedded mode evaluates the same definitions over an app's /metrics page.
 *
 * Without a window every counter is read as its total since the series started; with one (the
 * report's --window, or --since/--until) every counter becomes increase() over it (expr.ts), so
 * process restarts (counter resets) neither lose nor double count.
 */
import { ATTR } from '@feature-analytics/schema'
import { type Expr, LE, toPromQL } from './expr.ts'

export interface CatalogQuery {
  name: string
  description: string
  expr: Expr
  promql: string
}

const UPGRADE = { [ATTR.planFrom]: 'pro', [ATTR.planTo]: 'enterprise' }
const SUCCESS = { [ATTR.outcome]: 'success' }
const PRO_SUCCESS = { [ATTR.userPlan]: 'pro', ...SUCCESS }

const latencyQuantileByPlan = (q: number) =>
  ({
    description: `p${q * 100} server latency per feature and plan in milliseconds, over all calls since start.`,
    expr: {
      kind: 'histogramQuantile',
      q,
      of: {
        kind: 'sum',
        by: [ATTR.featureName, ATTR.userPlan, LE],
        of: { metric: 'latency', series: '_bucket' },
      },
    },
  }) satisfies { description: string; expr: Expr }

const definitions = {
  usageByPlan: {
    description: 'Top features by plan: successful calls per feature and plan.',
    expr: { kind: 'sum', by: [ATTR.featureName, ATTR.userPlan], of: { metric: 'usage', match: SUCCESS } },
  },
  errorsByFeature: {
    description: 'Calls that ended in an error (invalid input, failures) per feature and plan.',
    expr: {
      kind: 'sum',
      by: [ATTR.featureName, ATTR.userPlan],
      of: { metric: 'usage', match: { [ATTR.outcome]: 'error' } },
    },
  },
  adoptionFunnel: {
    description:
      'Adoption funnel per feature: users who reached each stage (discovered, activated, adopted, power_user).',
    expr: { kind: 'sum', by: [ATTR.featureName, ATTR.adoptionStage], of: { metric: 'adoptionStage' } },
  },
  upgrades: {
    description: 'Tenants that upgraded from pro to enterprise.',
    expr: { kind: 'sum', by: [], of: { metric: 'planChange', match: UPGRADE } },
  },
  upgradePriorUsage: {
    description:
      'Features pro tenants used before upgrading to enterprise, as the share of upgrading tenants that used each.',
    expr: {
      kind: 'divideByScalar',
      left: { kind: 'sum', by: [ATTR.featureName], of: { metric: 'upgradePriorUsage', match: UPGRADE } },
      right: { kind: 'sum', by: [], of: { metric: 'planChange', match: UPGRADE } },
    },
  },
  proTenantShare: {
    description:
      'Baseline for upgrade drivers: the share of tenants ever active on pro that used each feature there (needs tenant.id within its cardinality budget).',
    expr: {
      kind: 'divideByScalar',
      left: {
        kind: 'countPositive',
        by: [ATTR.featureName],
        of: {
          kind: 'sum',
          by: [ATTR.featureName, ATTR.tenantId],
          of: { metric: 'usage', match: PRO_SUCCESS },
        },
      },
      right: {
        kind: 'countPositive',
        by: [],
        of: { kind: 'sum', by: [ATTR.tenantId], of: { metric: 'usage', match: PRO_SUCCESS } },
      },
    },
  },
  retentionByFeature: {
    description:
      'Features that go with retention: per feature, tenants that used it on the plan they then renewed (retained) or cancelled (churned).',
    expr: { kind: 'sum', by: [ATTR.featureName, ATTR.retentionOutcome], of: { metric: 'retentionOutcome' } },
  },
  billingDecisions: {
    description:
      'Billing decisions (renewal, upgrade, downgrade, cancellation) per plan: the denominators of the upgrade and churn comparisons.',
    expr: { kind: 'sum', by: [ATTR.userPlan, ATTR.billingDecision], of: { metric: 'billingDecision' } },
  },
  decisionFeatureUse: {
    description:
      "Billing decisions per feature used since the tenant's previous decision, plan, decision and usage band: with billingDecisions, the 2x2 table of users vs non-users by outcome.",
    expr: {
      kind: 'sum',
      by: [ATTR.featureName, ATTR.userPlan, ATTR.billingDecision, ATTR.usageBand],
      of: { metric: 'decisionFeatureUse' },
    },
  },
  activeUsers: {
    description:
      'Distinct users active on each feature (a visit of its page) per plan, in the 1d, 7d and 30d windows ending now: DAU, WAU, MAU. Replicas report the same shared count, hence max.',
    expr: {
      kind: 'max',
      by: [ATTR.featureName, ATTR.userPlan, ATTR.activityWindow],
      of: { metric: 'distinctUsers' },
    },
  },
  latencyP95: {
    description: 'p95 server latency per feature in milliseconds, over all calls since start.',
    expr: {
      kind: 'histogramQuantile',
      q: 0.95,
      of: { kind: 'sum', by: [ATTR.featureName, LE], of: { metric: 'latency', series: '_bucket' } },
    },
  },
  latencyP50ByPlan: latencyQuantileByPlan(0.5),
  latencyP95ByPlan: latencyQuantileByPlan(0.95),
  latencyP99ByPlan: latencyQuantileByPlan(0.99),
  latencyCallsByPlan: {
    description:
      'Calls with a measured latency per feature and plan: the sample size behind the percentiles.',
    expr: { kind: 'sum', by: [ATTR.featureName, ATTR.userPlan], of: { metric: 'latency', series: '_count' } },
  },
} satisfies Record<string, { description: string; expr: Expr }>

export type QueryName = keyof typeof definitions

export const CATALOG = Object.fromEntries(
  Object.entries(definitions).map(([name, { description, expr }]) => [
    name,
    { name, description, expr, promql: toPromQL(expr) },
  ]),
) as unknown as Readonly<Record<QueryName, CatalogQuery>>
