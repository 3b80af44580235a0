/**
 * The cardinality attack: 10,000 scripted tenants (made through the store, as if the sign-up limit
 * had let them all through) each post 10 distinct ui.element values, 10^5 in all. The click series
 * stay within the documented budget (MAX_TENANTS x 64 element series, plus the `_other` tenant's
 * one series per feature and plan), every click is still counted, and once the first tenants go
 * idle a later tenant gets series of its own.
 */
import { randomBytes } from 'node:crypto'
import { ATTR, METRICS, OTHER_TENANT, PLANS } from '@feature-analytics/schema'
import { TenantBudget } from '@feature-analytics/tracker/internal'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hashSecret } from '../src/auth/tokens.ts'
import { startApi, type TestApi } from '../src/testing.ts'
import { click, clickMetric, exportRequest } from './otlp.ts'

const TENANTS = 10_000
const ELEMENTS_PER_TENANT = 10
const MAX_TENANTS = 1000
const ELEMENT_BUDGET = 64
const IDLE_MS = 3_600_000

let api: TestApi
let clock = 0
beforeAll(async () => {
  api = await startApi({ ingest: { ratePerSecond: 1000, burst: 1000 } }, false, {
    aggregation: { tenantBudget: new TenantBudget(MAX_TENANTS, { idleMillis: IDLE_MS, now: () => clock }) },
  })
})
afterAll(() => api.close())

/** A tenant with an owner and a live session, straight into the store. */
const scriptedTenant = async (i: number) => {
  const plan = PLANS[i % PLANS.length] as (typeof PLANS)[number]
  const createdAt = new Date().toISOString()
  const tenant = { id: `t-attack-${i}`, name: `Attack ${i}`, plan, status: 'active' as const, createdAt }
  const owner = {
    id: `u-attack-${i}`,
    tenantId: tenant.id,
    name: `Bot ${i}`,
    email: `bot-${i}@attack.example`,
    role: 'owner' as const,
    passwordHash: 'x',
    createdAt,
  }
  await api.store.createTenantWithOwner(tenant, owner)
  const token = randomBytes(16).toString('hex')
  await api.store.createSession({
    tokenHash: hashSecret(token),
    userId: owner.id,
    expiresAt: Date.now() + 3_600_000,
  })
  return { tenantId: tenant.id, token }
}

const postClicks = (token: string, elements: string[]) =>
  api.request('POST', '/v1/metrics', {
    token,
    body: exportRequest(
      clickMetric(elements.map((element) => ({ attributes: click('search', element), asInt: 1 }))),
    ),
  })

const clickSeries = async () => (await api.metrics()).points(METRICS.click)

it('10,000 tenants and 10^5 distinct elements stay within the series budget; idle first tenants let a later one in', async () => {
  const started = Date.now()
  for (let from = 0; from < TENANTS; from += 100) {
    await Promise.all(
      Array.from({ length: 100 }, async (_, k) => {
        const i = from + k
        const { token } = await scriptedTenant(i)
        const elements = Array.from({ length: ELEMENTS_PER_TENANT }, (_, e) => `el-${i}-${e}`)
        const reply = await postClicks(token, elements)
        expect(reply.body.partialSuccess).toEqual({ rejectedDataPoints: 0 })
      }),
    )
  }
  const series = await clickSeries()
  const budget = MAX_TENANTS * ELEMENT_BUDGET + PLANS.length // _other: one series per plan for this feature
  const total = series.reduce((sum, p) => sum + Number(p.value), 0)
  const folded = series.filter((p) => p.attributes[ATTR.tenantId] === OTHER_TENANT)
  process.stdout.write(
    `attack: ${TENANTS} tenants, ${TENANTS * ELEMENTS_PER_TENANT} distinct ui.element values in ${Date.now() - started} ms: ` +
      `${series.length} click series (budget ${budget}), ${folded.length} of them _other, ${total} clicks counted\n`,
  )
  expect(series.length).toBeLessThanOrEqual(budget)
  expect(series.length).toBe(MAX_TENANTS * ELEMENTS_PER_TENANT + PLANS.length)
  expect(series.some((p) => 'otel.metric.overflow' in p.attributes)).toBe(false)
  expect(total).toBe(TENANTS * ELEMENTS_PER_TENANT) // folded, never lost
  expect(new Set(folded.map((p) => p.attributes[ATTR.uiElement]))).toEqual(new Set(['_other']))

  // While every slot's tenant was active within the hour, a later tenant folds into _other...
  const later = await scriptedTenant(TENANTS)
  clock = IDLE_MS - 1
  await postClicks(later.token, ['later-go'])
  expect((await clickSeries()).some((p) => p.attributes[ATTR.tenantId] === later.tenantId)).toBe(false)
  // ...and once they have been idle for an hour, it gets series of its own; theirs leave the export.
  clock = IDLE_MS
  await postClicks(later.token, ['later-go'])
  const after = await clickSeries()
  const own = after.filter((p) => p.attributes[ATTR.tenantId] === later.tenantId)
  expect(own.map((p) => [p.attributes[ATTR.uiElement], Number(p.value)])).toEqual([['later-go', 1]])
  expect(after.length).toBe(1 + PLANS.length)
  process.stdout.write(
    `attack: after an idle hour the later tenant has its own series; ${after.length} click series left\n`,
  )
}, 300_000)
