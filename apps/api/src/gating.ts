/**
 * Plan gating for feature routes. It runs before the feature is tracked: a refused call is not
 * feature usage, so it must not show up in product.feature.usage.
 */
import type { Middleware } from 'koa'
import { authOf } from './auth/session.ts'
import { type FeatureName, planIncludes, requiredPlan } from './catalog.ts'
import { HttpError } from './errors.ts'

export const featureGate =
  (feature: FeatureName): Middleware =>
  async (ctx, next) => {
    const { tenant } = authOf(ctx)
    if (tenant.status === 'cancelled') {
      throw new HttpError(
        402,
        'subscription_cancelled',
        'the subscription is cancelled: choose a plan to continue',
      )
    }
    if (!planIncludes(tenant.plan, feature)) {
      const plan = requiredPlan(feature)
      throw new HttpError(
        403,
        'plan_required',
        `${feature} requires the ${plan} plan (current plan: ${tenant.plan})`,
        {
          details: { feature, plan, currentPlan: tenant.plan },
        },
      )
    }
    await next()
  }
