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

function account(records: object[], lost: number) {
  const log = join(mkdtempSync(join(tmpdir(), 'api-kill-')), 'requests.ndjson')
  writeFileSync(log, records.map((r) => JSON.stringify(r)).join('\n'))
  return accountLoss(behindBy(lost), log, outage)
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
