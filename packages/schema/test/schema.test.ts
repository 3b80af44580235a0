import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ADOPTION_STAGES,
  DEFAULT_ADOPTION_THRESHOLDS,
  isPlan,
  LATENCY_BUCKETS_MS,
  METRICS,
  PROMETHEUS_NAMES,
  promLabel,
  TIME_SPENT_BUCKETS_MS,
} from '../src/index.ts'

// node:test runs on Node and on Deno 2 alike, so the same file proves both runtimes.
describe('schema', () => {
  it('orders adoption thresholds strictly upward, starting at the first use', () => {
    assert.deepEqual(
      ADOPTION_STAGES.map((s) => DEFAULT_ADOPTION_THRESHOLDS[s]),
      [1, 3, 10, 50],
    )
  })

  it('keeps bucket boundaries strictly increasing', () => {
    for (const bounds of [LATENCY_BUCKETS_MS, TIME_SPENT_BUCKETS_MS]) {
      for (let i = 1; i < bounds.length; i++) assert.ok((bounds[i] as number) > (bounds[i - 1] as number))
    }
  })

  it('names every metric in Prometheus the way the OTLP translation does', () => {
    for (const key of Object.keys(METRICS) as (keyof typeof METRICS)[]) {
      assert.ok(PROMETHEUS_NAMES[key].startsWith(METRICS[key].replaceAll('.', '_')), key)
    }
    assert.equal(promLabel('feature.name'), 'feature_name')
  })

  it('recognises plans', () => {
    assert.equal(isPlan('pro'), true)
    assert.equal(isPlan('platinum'), false)
    assert.equal(isPlan(undefined), false)
  })
})
