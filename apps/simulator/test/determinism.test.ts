/**
 * Same seed and scenario, same ledger bytes, whatever the concurrency, pacing and number of API
 * instances, with tenants spread over the instances or pinned to one; another seed, another ledger.
 * Runs against the real API, in process: two instances sharing one store, as replicas share a database.
 */
import { InMemoryStore } from '@feature-analytics/api/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadScenario, serializeLedger, simulate } from '../src/index.ts'
import { startTestApi, type TestApi } from './api.ts'

const SHORT = new URL('./fixtures/short.json', import.meta.url).pathname
let apis: TestApi[] = []

beforeAll(async () => {
  const shared = new InMemoryStore()
  apis = await Promise.all([startTestApi(shared), startTestApi(shared)])
})
afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()))
})

async function ledgerOf(
  seed: number,
  targets: string[],
  concurrency: number,
  rate: number,
  pinTenants = false,
) {
  let requests = 0
  const seen = new Set<string>()
  const result = await simulate({
    targets,
    pinTenants,
    onRequest: ({ target }) => {
      requests++
      seen.add(target)
    },
    scenario: await loadScenario(SHORT),
    seed,
    durationSeconds: 120,
    rate,
    concurrency,
  })
  expect(result.complete).toBe(true)
  expect(result.stats.surprises).toEqual([])
  // Every request was logged, and every target took some.
  expect(requests).toBe(result.stats.requests)
  expect([...seen].sort()).toEqual([...targets].sort())
  return serializeLedger(result.ledger)
}

describe('ledger determinism', () => {
  it('is byte-identical for the same seed and scenario, and differs for another seed', async () => {
    const [a, b] = apis.map((api) => api.url) as [string, string]
    const first = await ledgerOf(7, [a], 4, 0)
    const again = await ledgerOf(7, [b, a], 2, 400)
    const pinned = await ledgerOf(7, [a, b], 3, 0, true)
    const other = await ledgerOf(8, [a], 4, 0)

    expect(again).toBe(first)
    expect(pinned).toBe(first)
    expect(other).not.toBe(first)
    const ledger = JSON.parse(first)
    // The short scenario exercises every instrument the ledger knows.
    expect(Object.keys(ledger.totals).sort()).toEqual([
      'product.adoption.stage',
      'product.billing.decision',
      'product.billing.decision_feature_use',
      'product.feature.click',
      'product.feature.time_spent',
      'product.feature.usage',
      'product.plan.change',
      'product.retention.outcome',
      'product.upgrade.prior_usage',
    ])
    expect(first).not.toMatch(/@example\.com|"\d{4}-\d\d-\d\dT|[0-9a-f]{8}-[0-9a-f]{4}-/)
  })
})
