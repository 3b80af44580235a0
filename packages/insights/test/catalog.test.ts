import { parser } from '@prometheus-io/lezer-promql'
import { describe, expect, it } from 'vitest'
import { CATALOG } from '../src/index.ts'

function syntaxErrors(promql: string): string[] {
  const errors: string[] = []
  parser.parse(promql).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`${node.from}: ${promql.slice(node.from, node.from + 20)}`)
    },
  })
  return errors
}

describe('query catalog', () => {
  it('every query is valid PromQL per Prometheus’s own grammar', () => {
    for (const query of Object.values(CATALOG)) {
      expect(syntaxErrors(query.promql), `${query.name}: ${query.promql}`).toEqual([])
      expect(query.description.length).toBeGreaterThan(10)
    }
    // The grammar does flag broken input, so the loop above can fail.
    expect(syntaxErrors('sum by (a (x')).not.toEqual([])
  })

  it('uses the schema’s Prometheus names and labels', () => {
    expect(CATALOG.usageByPlan.promql).toBe(
      'sum by (feature_name, user_plan) (product_feature_usage_total{feature_outcome="success"})',
    )
    expect(CATALOG.upgradePriorUsage.promql).toBe(
      'sum by (feature_name) (product_upgrade_prior_usage_total{plan_from="pro", plan_to="enterprise"})' +
        ' / scalar(sum(product_plan_change_total{plan_from="pro", plan_to="enterprise"}))',
    )
    // A gauge every replica reports alike (the shared store's count): max, never sum.
    expect(CATALOG.activeUsers.promql).toBe(
      'max by (feature_name, user_plan, activity_window) (product_feature_distinct_users)',
    )
    expect(CATALOG.latencyP95.promql).toBe(
      'histogram_quantile(0.95, sum by (feature_name, le) (product_feature_latency_milliseconds_bucket))',
    )
  })
})
