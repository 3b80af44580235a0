/**
 * Same seed and scenario, same ledger bytes, whatever the concurrency, pacing and number of API
 * instances; another seed, another ledger. Runs against the real API, in process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadScenario, serializeLedger, simulate } from '../src/index.ts'
import { startTestApi, type TestApi } from './api.ts'

const SHORT = new URL('./fixtures/short.json', import.meta.url).pathname
let apis: TestApi[] = []

beforeAll(async () => {
  apis = await Promise.all([startTestApi(), startTestApi()])
})
afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()))
})

async function ledgerOf(seed: number, targets: string[], concurrency: number, rate: number) {
  const result = await simulate({
    targets,
    scenario: await loadScenario(SHORT),
    seed,
    durationSeconds: 120,
    rate,
    concurrency,
  })
  expect(result.complete).toBe(true)
  expect(result.stats.surprises).toEqual([])
  return serializeLedger(result.ledger)
}

describe('ledger determinism', () => {
  it('is byte-identical for the same seed and scenario, and differs for another seed', async () => {
    const [a, b] = apis.map((api) => api.url) as [string, string]
    const first = await ledgerOf(7, [a], 4, 0)
    const again = await ledgerOf(7, [b, a], 2, 400)
    const other = await ledgerOf(8, [a], 4, 0)

    expect(again).toBe(first)
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
