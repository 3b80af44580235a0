import { ATTR, type Plan } from '@feature-analytics/schema'
import { HyperLogLog } from './hyperloglog.ts'
import type { Observation } from './recorder.ts'

/**
 * Distinct users per (feature, plan) for product.feature.users. Memory is one fixed-size sketch
 * per catalog feature and plan, however many users come, and no user id is kept.
 */
export class DistinctUsers {
  #sketches = new Map<string, Map<Plan, HyperLogLog>>()

  add(feature: string, plan: Plan, userId: string): void {
    let byPlan = this.#sketches.get(feature)
    if (byPlan === undefined) {
      byPlan = new Map()
      this.#sketches.set(feature, byPlan)
    }
    let sketch = byPlan.get(plan)
    if (sketch === undefined) {
      sketch = new HyperLogLog()
      byPlan.set(plan, sketch)
    }
    sketch.add(userId)
  }

  *points(): Generator<Observation<'users'>> {
    for (const [feature, byPlan] of this.#sketches) {
      for (const [plan, sketch] of byPlan) {
        yield { attributes: { [ATTR.featureName]: feature, [ATTR.userPlan]: plan }, value: sketch.estimate() }
      }
    }
  }
}
