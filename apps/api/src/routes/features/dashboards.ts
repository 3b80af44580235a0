/** dashboard_create and dashboard_share. */
import { randomUUID } from 'node:crypto'
import type { Context } from 'koa'
import { z } from 'zod'
import { putAudited } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import { HttpError } from '../../errors.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { emailInput, nameInput } from '../inputs.ts'
import { answerUpsert, type FeatureHandlers, isoNow } from './handler.ts'

const CreateInput = z.object({ name: nameInput })
const ShareInput = z.object({ email: emailInput })

export const dashboardHandlers = ({
  store,
  now,
}: Services): FeatureHandlers<'dashboard_create' | 'dashboard_share'> => ({
  async dashboard_create(ctx: Context) {
    const { name } = parseInput(CreateInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const dashboard = {
      id: randomUUID(),
      tenantId: tenant.id,
      name,
      createdBy: user.id,
      createdAt: isoNow(now),
    }
    await putAudited(store, 'dashboard', dashboard, { actorId: user.id, action: 'dashboard.created' }, now)
    ctx.status = 201
    ctx.body = { dashboard: { id: dashboard.id, name, createdAt: dashboard.createdAt } }
  },

  async dashboard_share(ctx: Context) {
    const { email } = parseInput(ShareInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const dashboardId = String(ctx.params.id)
    const dashboard = await store.get('dashboard', tenant.id, dashboardId)
    if (!dashboard) throw new HttpError(404, 'not_found', 'no such dashboard in this tenant')
    // Sharing again with the same person updates the existing share instead of duplicating it.
    const existing = (await store.list('share', tenant.id)).find(
      (s) => s.dashboardId === dashboardId && s.email === email,
    )
    const share = existing ?? {
      id: randomUUID(),
      tenantId: tenant.id,
      dashboardId,
      email,
      createdAt: isoNow(now),
    }
    const by = { actorId: user.id, action: 'dashboard.shared', target: dashboardId }
    const body = { share: { id: share.id, dashboardId, email, createdAt: share.createdAt } }
    const replaced = existing !== undefined
    await answerUpsert(ctx, { store, now }, { kind: 'share', record: share, by, replaced, body })
  },
})
