/** audit_log_export: the tenant's audit entries in an optional [from, to] window. */
import type { Context } from 'koa'
import { z } from 'zod'
import { recordAudit } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import type { FeatureHandlers } from './handler.ts'

const ExportInput = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine(({ from, to }) => !from || !to || Date.parse(from) <= Date.parse(to), {
    path: ['to'],
    message: 'must not be before from',
  })

export const auditLogHandlers = ({ store, now }: Services): FeatureHandlers<'audit_log_export'> => ({
  async audit_log_export(ctx: Context) {
    const { from, to } = parseInput(ExportInput, ctx.request.body ?? {})
    const { user, tenant } = authOf(ctx)
    const start = from ? Date.parse(from) : Number.NEGATIVE_INFINITY
    const end = to ? Date.parse(to) : Number.POSITIVE_INFINITY
    const entries = (await store.list('audit', tenant.id))
      .filter((entry) => {
        const at = Date.parse(entry.createdAt)
        return at >= start && at <= end
      })
      .map(({ id, createdAt, actorId, action, target }) => ({ id, at: createdAt, actorId, action, target }))
    await recordAudit(store, { tenantId: tenant.id, actorId: user.id, action: 'audit_log.exported' }, now)
    ctx.body = { count: entries.length, entries }
  },
})
