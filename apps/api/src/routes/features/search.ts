/** search: a case-insensitive match over the tenant's dashboards and alerts. */
import type { Context } from 'koa'
import { z } from 'zod'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import type { FeatureHandlers } from './handler.ts'

const MAX_RESULTS = 50
const SearchInput = z.object({ q: z.string({ error: 'expected a query string' }).trim().min(1).max(200) })

export const searchHandlers = ({ store }: Services): FeatureHandlers<'search'> => ({
  async search(ctx: Context) {
    const { q } = parseInput(SearchInput, { q: ctx.query.q })
    const { tenant } = authOf(ctx)
    const needle = q.toLowerCase()
    const [dashboards, alerts] = await Promise.all([
      store.list('dashboard', tenant.id),
      store.list('alert', tenant.id),
    ])
    const results = [
      ...dashboards.map(({ id, name }) => ({ type: 'dashboard' as const, id, name })),
      ...alerts.map(({ id, name }) => ({ type: 'alert' as const, id, name })),
    ].filter(({ name }) => name.toLowerCase().includes(needle))
    ctx.body = { query: q, total: results.length, results: results.slice(0, MAX_RESULTS) }
  },
})
