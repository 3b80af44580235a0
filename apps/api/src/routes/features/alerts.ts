/** alert_create. */
import { randomUUID } from 'node:crypto'
import type { Context } from 'koa'
import { z } from 'zod'
import { putAudited } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { nameInput } from '../inputs.ts'
import { type FeatureHandlers, isoNow } from './handler.ts'

const AlertInput = z.object({
  name: nameInput,
  metric: z.string().regex(/^[a-zA-Z][\w.]{0,99}$/, 'expected a metric name like cpu.usage'),
  threshold: z.number({ error: 'expected a number' }).finite(),
})

export const alertHandlers = ({ store, now }: Services): FeatureHandlers<'alert_create'> => ({
  async alert_create(ctx: Context) {
    const input = parseInput(AlertInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const alert = { id: randomUUID(), tenantId: tenant.id, ...input, createdAt: isoNow(now) }
    await putAudited(store, 'alert', alert, { actorId: user.id, action: 'alert.created' }, now)
    ctx.status = 201
    ctx.body = {
      alert: {
        id: alert.id,
        name: alert.name,
        metric: alert.metric,
        threshold: alert.threshold,
        createdAt: alert.createdAt,
      },
    }
  },
})
