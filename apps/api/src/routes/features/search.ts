/** search: a case-insensitive match over the tenant's dashboards and alerts. */
import type { Context } from 'koa'
import { z } from 'zod'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { requiredString } from '../inputs.ts'
import type { FeatureHandlers } from './handler.ts'

const MAX_RESULTS = 50
const MAX_QUERY_LENGTH = 200
const SearchInput = z.object({
  q: requiredString('expected a query string')
    .trim()
    .min(1, 'must not be blank')
    .max(MAX_QUERY_LENGTH, `too long: at most ${MAX_QUERY_LENGTH} characters`),
})

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
