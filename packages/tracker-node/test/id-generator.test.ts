import { isValidSpanId, isValidTraceId } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { PooledRandomIdGenerator } from '../src/index.ts'

const N = 100_000

describe('PooledRandomIdGenerator', () => {
  const kinds = [
    {
      kind: 'trace',
      hexDigits: 32,
      generate: (ids: PooledRandomIdGenerator) => ids.generateTraceId(),
      valid: isValidTraceId,
    },
    {
      kind: 'span',
      hexDigits: 16,
      generate: (ids: PooledRandomIdGenerator) => ids.generateSpanId(),
      valid: isValidSpanId,
    },
  ]
  it.each(kinds)(
    'makes W3C $kind ids ($hexDigits lowercase hex, not all zero), all distinct over 10^5',
    ({ hexDigits, generate, valid }) => {
      const ids = new PooledRandomIdGenerator()
      const format = new RegExp(`^[0-9a-f]{${hexDigits}}$`)
      const seen = new Set<string>()
      const malformed: string[] = []
      for (let i = 0; i < N; i++) {
        const id = generate(ids)
        if (!format.test(id) || !valid(id)) malformed.push(id)
        seen.add(id)
      }
      expect(malformed).toEqual([])
      expect(seen.size).toBe(N)
    },
  )

  it('gives independent ids to two generators and across pool refills (interleaved kinds)', () => {
    const a = new PooledRandomIdGenerator()
    const b = new PooledRandomIdGenerator()
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      for (const id of [a.generateTraceId(), a.generateSpanId(), b.generateTraceId(), b.generateSpanId()]) {
        seen.add(id)
      }
    }
    expect(seen.size).toBe(8000)
  })

  it('spreads hex digits evenly over every position (chi-square, 15 degrees of freedom)', () => {
    const ids = new PooledRandomIdGenerator()
    const counts = new Uint32Array(32 * 16)
    const n = 40_000
    for (let i = 0; i < n; i++) {
      const id = ids.generateTraceId()
      for (let p = 0; p < 32; p++) {
        const cell = p * 16 + Number.parseInt(id[p] as string, 16)
        counts[cell] = (counts[cell] as number) + 1
      }
    }
    const expected = n / 16
    for (let p = 0; p < 32; p++) {
      const chiSquare = counts
        .subarray(p * 16, p * 16 + 16)
        .reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0)
      // P(chi2_15 > 50) is about 1e-5; 32 positions keep a false alarm below 1 in 3000.
      expect(chiSquare).toBeLessThan(50)
    }
  })

  it('keeps the ratio sampler share: the XOR of the 32-bit words falls below 10% of the range 10% of the time', () => {
    // TraceIdRatioBasedSampler XORs the id's four 32-bit words and compares with ratio * 2^32.
    const ids = new PooledRandomIdGenerator()
    const n = 100_000
    let below = 0
    for (let i = 0; i < n; i++) {
      const id = ids.generateTraceId()
      let x = 0
      for (let w = 0; w < 32; w += 8) x = (x ^ Number.parseInt(id.slice(w, w + 8), 16)) >>> 0
      if (x < Math.floor(0.1 * 4294967295)) below++
    }
    // Binomial(10^5, 0.1): sd 95, so 6 sd is 570.
    expect(Math.abs(below - 0.1 * n)).toBeLessThan(570)
  })
})
