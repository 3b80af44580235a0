import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SlowCall } from '@feature-analytics/insights'
import { lostWith } from '../stack/exemplar-check.ts'

const killedAt = 1_000_000
const call = (instance: string | undefined, msBeforeKill: number): SlowCall => ({
  feature: 'report_export',
  plan: 'pro',
  tenant: 't-1',
  durationMs: 114,
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  timeMs: killedAt - msBeforeKill,
  bucketLe: 250,
  ...(instance === undefined ? {} : { instance }),
})

test('only the killed instance’s exemplars from its last span-export delay count as the kill’s loss', () => {
  const loss = { instance: 'api-1', killedAt }
  assert.equal(lostWith(loss, call('api-1', 1_000)), true)
  assert.equal(lostWith(loss, call('api-1', 6_500)), true)
  // Older than one span-export delay plus the export's time: its span batch went out.
  assert.equal(lostWith(loss, call('api-1', 8_000)), false)
  // The survivor's spans were exported: its missing trace is a real problem.
  assert.equal(lostWith(loss, call('api-2', 1_000)), false)
  assert.equal(lostWith(loss, call(undefined, 1_000)), false)
  // Recorded after the kill: not by the killed process.
  assert.equal(lostWith(loss, call('api-1', -10)), false)
  // No kill in this run: nothing is excused.
  assert.equal(lostWith(undefined, call('api-1', 1_000)), false)
})
