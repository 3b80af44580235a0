/**
 * data_import: the request is validated as a whole (source, 1..1000 rows), then each row on its own,
 * so one bad row is reported by index instead of failing the whole import.
 */
import { randomUUID } from 'node:crypto'
import type { Context } from 'koa'
import { z } from 'zod'
import { putAudited } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { fieldOf, parseInput } from '../../validate.ts'
import { nameInput } from '../inputs.ts'
import { type FeatureHandlers, isoNow } from './handler.ts'

const MAX_ROWS = 1000
const MAX_REPORTED_ERRORS = 20
const MAX_CSV_LINE = 1000

const ImportInput = z.object({
  source: z.enum(['csv', 'json']),
  rows: z
    .array(z.unknown(), { error: 'expected an array of rows' })
    .min(1, 'must hold at least one row')
    .max(MAX_ROWS, `too many: at most ${MAX_ROWS} rows`),
})

const Row = z.object({ name: nameInput, value: z.number({ error: 'expected a number' }).finite() })

// A CSV row is one line `name,value`; it is split here and then held to the same rules as a JSON row.
const CsvRow = z
  .string({ error: 'expected a CSV line "name,value"' })
  .max(MAX_CSV_LINE, `too long: at most ${MAX_CSV_LINE} characters`)
  .transform((line) => {
    const comma = line.lastIndexOf(',')
    return comma < 0
      ? {}
      : { name: line.slice(0, comma), value: Number(line.slice(comma + 1).trim() || Number.NaN) }
  })
  .pipe(Row)

export const importHandlers = ({ store, now }: Services): FeatureHandlers<'data_import'> => ({
  async data_import(ctx: Context) {
    const { source, rows } = parseInput(ImportInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const rowSchema = source === 'csv' ? CsvRow : Row
    const errors: { row: number; field: string; message: string }[] = []
    let accepted = 0
    rows.forEach((row, index) => {
      const result = rowSchema.safeParse(row)
      if (result.success) accepted += 1
      else if (errors.length < MAX_REPORTED_ERRORS) {
        const issue = result.error.issues[0]
        errors.push({
          row: index,
          field: fieldOf(issue?.path ?? []),
          message: issue?.message ?? 'invalid row',
        })
      }
    })
    const record = {
      id: randomUUID(),
      tenantId: tenant.id,
      source,
      accepted,
      rejected: rows.length - accepted,
      createdAt: isoNow(now),
    }
    await putAudited(store, 'import', record, { actorId: user.id, action: 'data.imported' }, now)
    ctx.status = 201
    ctx.body = { import: { id: record.id, source, accepted, rejected: record.rejected, errors } }
  },
})
