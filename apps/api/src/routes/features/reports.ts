/** report_export: the tenant's dashboards and alerts as a report; CSV comes back inline. */
import { randomUUID } from 'node:crypto'
import type { Context } from 'koa'
import { z } from 'zod'
import { putAudited } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { type FeatureHandlers, isoNow } from './handler.ts'

const ExportInput = z.object({ format: z.enum(['csv', 'pdf', 'xlsx']) })

// Quote every field, and defuse cells a spreadsheet would run as a formula (CSV injection).
const csvCell = (value: string): string =>
  `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replaceAll('"', '""')}"`

export const reportHandlers = ({ store, now }: Services): FeatureHandlers<'report_export'> => ({
  async report_export(ctx: Context) {
    const { format } = parseInput(ExportInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const [dashboards, alerts] = await Promise.all([
      store.list('dashboard', tenant.id),
      store.list('alert', tenant.id),
    ])
    const rows = [
      ...dashboards.map((d) => ['dashboard', d.name, d.createdAt]),
      ...alerts.map((a) => ['alert', a.name, a.createdAt]),
    ]
    const report = {
      id: randomUUID(),
      tenantId: tenant.id,
      format,
      rows: rows.length,
      createdAt: isoNow(now),
    }
    await putAudited(store, 'report', report, { actorId: user.id, action: 'report.exported' }, now)
    const content =
      format === 'csv'
        ? [['type', 'name', 'created_at'], ...rows].map((r) => r.map(csvCell).join(',')).join('\n')
        : undefined
    ctx.body = {
      report: {
        id: report.id,
        format,
        rows: report.rows,
        filename: `report-${report.id}.${format}`,
        createdAt: report.createdAt,
      },
      ...(content === undefined ? {} : { content }),
    }
  },
})
