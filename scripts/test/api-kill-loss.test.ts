import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { METRICS } from '@feature-analytics/schema'
import { accountLoss, KILLED } from '../stack/api-kill.ts'

const outage = { lastExportAt: 10_000, killedAt: 12_000, frozenAt: 32_000 }
const use = (sentAt: number, answeredAt: number, status = 200) => ({
  target: KILLED.url,
  sentAt,
  answeredAt,
  status,
  usage: true,
})
/** The check's result when the ledger is `lost` usage events ahead of Prometheus. */
const behindBy = (lost: number) => ({
  checked: 1,
  mismatches: [
    {
      instrument: METRICS.usage,
      attributes: { 'feature.name': 'search' },
      expected: 100,
      actual: 100 - lost,
    },
  ],
})

/** The simulator's request log holding `records`. */
function requestsLog(records: object[]): string {
  const log = join(mkdtempSync(join(tmpdir(), 'api-kill-')), 'requests.ndjson')
  writeFileSync(log, records.map((r) => JSON.stringify(r)).join('\n'))
  return log
}

function account(records: object[], lost: number) {
  return accountLoss(behindBy(lost), requestsLog(records), outage)
}

test('uses answered after the last export bound the loss; one the simulator read after the kill counts', () => {
  const records = [
    use(9_000, 9_500), // counted and exported
    use(10_500, 10_600), // after the export: lost
    use(11_900, 11_950), // lost
    // Answered by the old process before it died, read by a lagging simulator 80 ms after the kill.
    use(11_990, 12_080),
    use(11_995, 0, 0), // in flight at the kill: no answer, not counted
    use(20_000, 20_010, 0), // refused while down
  ]
  const loss = account(records, 3)
  assert.equal(loss.lowerBound, 3)
  assert.equal(loss.upperBound, 3)
  assert.deepEqual(loss.unexplained, [])
})

test('a loss outside the bounds, or Prometheus ahead of the ledger, is not excused', () => {
  const records = [use(10_500, 10_600), use(11_000, 11_100)]
  assert.equal(account(records, 3).unexplained.length, 1)
  assert.equal(account(records, 1).unexplained.length, 1)
  assert.equal(account(records, -1).unexplained.length, 1)
  assert.equal(account(records, 2).unexplained.length, 0)
})

test('decision series ahead of the ledger are excused up to the uses in doubt at the kill', () => {
  const log = requestsLog([
    use(10_500, 10_600), // lost
    use(11_900, 12_010, 0), // sent before the kill, the connection broke: in doubt
    use(11_950, 12_010, 0), // in doubt
    use(20_000, 20_010, 0), // refused while down: not in doubt
  ])
  /** The usage loss of one, and decision series `ahead` events ahead of the ledger in all. */
  const result = (ahead: number[], instrument: string = METRICS.decisionFeatureUse) => ({
    checked: 1 + ahead.length,
    mismatches: [
      ...behindBy(1).mismatches,
      ...ahead.map((n, i) => ({ instrument, attributes: { band: String(i) }, expected: 5, actual: 5 + n })),
    ],
  })
  const within = accountLoss(result([1, 1]), log, outage)
  assert.equal(within.inDoubt, 2)
  assert.deepEqual(within.unexplained, [])
  assert.match(within.lines.at(-1) ?? '', /2 usage requests to api-1 got no answer before the kill/)
  assert.deepEqual(accountLoss(result([1], METRICS.retentionOutcome), log, outage).unexplained, [])
  // More than the requests in doubt, or ahead on a series no decision reads from the store.
  assert.equal(accountLoss(result([1, 2]), log, outage).unexplained.length, 2)
  assert.equal(accountLoss(result([1], METRICS.click), log, outage).unexplained.length, 1)
})
