/**
 * Billing: plan changes and the renewal/cancellation events retention is judged at. Owner only. The
 * tracker calls come after the store update, so metrics only describe changes that happened.
 */
import { PLANS } from '@feature-analytics/schema'
import { Router } from '@koa/router'
import type { Context } from 'koa'
import { z } from 'zod'
import { recordAudit } from '../audit.ts'
import { authenticate, authOf, requireOwner } from '../auth/session.ts'
import { HttpError } from '../errors.ts'
import type { Services } from '../services.ts'
import { parseInput } from '../validate.ts'
import { isoNow } from './features/handler.ts'
import { publicTenant } from './present.ts'

const PlanInput = z.object({ plan: z.enum(PLANS) })

const assertActive = (ctx: Context) => {
  if (authOf(ctx).tenant.status === 'cancelled') {
    throw new HttpError(402, 'subscription_cancelled', 'the subscription is cancelled')
  }
}

export const billingRoutes = ({ store, tracker, sessions, now }: Services): Router => {
  const router = new Router({ prefix: '/api/billing' })
  router.use(authenticate(sessions), requireOwner)

  router.post('/plan', async (ctx: Context) => {
    const { plan } = parseInput(PlanInput, ctx.request.body)
    assertActive(ctx)
    const { tenant, user } = authOf(ctx)
    if (plan === tenant.plan)
      throw new HttpError(409, 'plan_unchanged', `the tenant is on the ${plan} plan already`)
    const updated = await store.updateTenant(tenant.id, { plan })
    await recordAudit(
      store,
      { tenantId: tenant.id, actorId: user.id, action: 'billing.plan_changed', target: plan },
      now,
    )
    await tracker.trackPlanChange({ tenantId: tenant.id, from: tenant.plan, to: plan })
    ctx.body = { tenant: publicTenant(updated) }
  })

  router.post('/renew', async (ctx: Context) => {
    assertActive(ctx)
    const { tenant, user } = authOf(ctx)
    const updated = await store.updateTenant(tenant.id, { renewedAt: isoNow(now) })
    await recordAudit(store, { tenantId: tenant.id, actorId: user.id, action: 'billing.renewed' }, now)
    await tracker.trackRetention({ tenantId: tenant.id, plan: tenant.plan, outcome: 'retained' })
    ctx.body = { tenant: publicTenant(updated) }
  })

  router.post('/cancel', async (ctx: Context) => {
    assertActive(ctx)
    const { tenant, user } = authOf(ctx)
    const updated = await store.updateTenant(tenant.id, { status: 'cancelled', cancelledAt: isoNow(now) })
    await recordAudit(store, { tenantId: tenant.id, actorId: user.id, action: 'billing.cancelled' }, now)
    await tracker.trackRetention({ tenantId: tenant.id, plan: tenant.plan, outcome: 'churned' })
    ctx.body = { tenant: publicTenant(updated) }
  })

  return router
}
