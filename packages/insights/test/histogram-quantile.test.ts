import { describe, expect, it } from 'vitest'
import { histogramQuantile } from '../src/index.ts'

const inf = Number.POSITIVE_INFINITY

describe('histogramQuantile (Prometheus semantics)', () => {
  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 100 observations: 50 in (0,10], 40 in (10,20], 10 in (20,+Inf)
    const buckets = [
      { upperBound: 10, count: 50 },
      { upperBound: 20, count: 90 },
      { upperBound: inf, count: 100 },
    ]
    expect(histogramQuantile(0.5, buckets)).toBe(10)
    expect(histogramQuantile(0.7, buckets)).toBe(15)
    expect(histogramQuantile(0.25, buckets)).toBe(5)
  })

  it('returns the highest finite bound when the rank falls in +Inf', () => {
    const buckets = [
      { upperBound: 20, count: 90 },
      { upperBound: 10, count: 50 },
      { upperBound: inf, count: 100 },
    ]
    expect(histogramQuantile(0.95, buckets)).toBe(20)
  })

  it('is NaN without observations or without a +Inf bucket, and +-Inf outside [0,1]', () => {
    expect(
      histogramQuantile(0.5, [
        { upperBound: 1, count: 0 },
        { upperBound: inf, count: 0 },
      ]),
    ).toBeNaN()
    expect(histogramQuantile(0.5, [{ upperBound: 1, count: 3 }])).toBeNaN()
    expect(
      histogramQuantile(2, [
        { upperBound: 1, count: 3 },
        { upperBound: inf, count: 3 },
      ]),
    ).toBe(inf)
    expect(
      histogramQuantile(-1, [
        { upperBound: 1, count: 3 },
        { upperBound: inf, count: 3 },
      ]),
    ).toBe(-inf)
  })

  it('adds buckets that share a bound', () => {
    const buckets = [
      { upperBound: 10, count: 25 },
      { upperBound: 10, count: 25 },
      { upperBound: inf, count: 100 },
    ]
    expect(histogramQuantile(0.25, buckets)).toBe(5)
  })
})
