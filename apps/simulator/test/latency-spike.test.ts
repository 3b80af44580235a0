/**
 * A planted latency spike is real: the simulator sends the spiking calls with X-Work-Factor, the
 * API does that much more work (so its own latency histogram shows it), and the ledger says how
 * many calls were spiked.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseScenario, simulate } from '../src/index.ts'
import { startTestApi, type TestApi } from './api.ts'

const SHORT = new URL('./fixtures/short.json', import.meta.url)
let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(async () => {
  await api.close()
})

/** Mean latency (ms) of the calls of `feature` on `plan`, from the API's own /metrics page. */
function meanLatency(page: string, feature: string, plan: string): number {
  const of = (series: string) =>
    page
      .split('\n')
      .filter(
        (line) =>
          line.startsWith(`product_feature_latency_${series}{`) &&
          line.includes(`feature_name="${feature}"`) &&
          line.includes(`user_plan="${plan}"`),
      )
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
  return of('sum') / of('count')
}

it('slows exactly the planted share of calls, and the ledger counts them', async () => {
  const data = JSON.parse(await readFile(SHORT, 'utf8'))
  data.planted.push({
    effect: 'latency_spike',
    feature: 'dashboard_create',
    plan: 'pro',
    factor: 50,
    share: 1,
  })
  const { ledger, stats } = await simulate({
    targets: [api.url],
    scenario: { scenario: parseScenario(data), sha256: 'test' },
    seed: 7,
    durationSeconds: 120,
    rate: 0,
    concurrency: 4,
  })
  expect(stats.surprises).toEqual([])
  const spike = ledger.planted.find((e) => e.effect === 'latency_spike')
  const successes = ledger.totals['product.feature.usage']?.find(
    (e) =>
      e.attributes['feature.name'] === 'dashboard_create' &&
      e.attributes['user.plan'] === 'pro' &&
      e.attributes['feature.outcome'] === 'success',
  )
  // share 1: every successful pro dashboard_create was sent with the spike, and only those.
  expect(spike?.calls).toBeGreaterThan(0)
  expect(spike?.calls).toBe(successes && 'value' in successes ? successes.value : -1)

  const page = await (await fetch(api.metricsUrl)).text()
  const pro = meanLatency(page, 'dashboard_create', 'pro')
  const free = meanLatency(page, 'dashboard_create', 'free')
  expect(pro).toBeGreaterThan(5 * free)
}, 120_000)
