/**
 * The windowed count computed from raw samples (stores without `anchored`, such as Thanos query)
 * must be what `increase(...[w] anchored)` gives Prometheus over zero-started series
 * (restart.test.ts proves that one against a real Prometheus).
 */
import { describe, expect, it } from 'vitest'
import type { Expr } from '../src/expr.ts'
import { selectorsOf } from '../src/expr.ts'
import { type Points, windowIncrease } from '../src/window-increase.ts'

const START = 1000

describe('windowIncrease', () => {
  it('takes the sample at or before the start as the baseline, and does not extrapolate', () => {
    const points: Points = [
      [940, 3],
      [1000, 5],
      [1005, 9],
      [1010, 12],
    ]
    expect(windowIncrease(points, START)).toBe(7)
  })

  it('counts a series that started inside the window from zero', () => {
    expect(
      windowIncrease(
        [
          [1005, 4],
          [1010, 6],
        ],
        START,
      ),
    ).toBe(6)
  })

  it('counts both lives of a restarted process once', () => {
    // 10 before the start, 10 -> 25 in the first life, then a new life that reaches 4.
    const points: Points = [
      [995, 10],
      [1005, 25],
      [1015, 1],
      [1020, 4],
    ]
    expect(windowIncrease(points, START)).toBe(15 + 4)
  })

  it('counts nothing for a series that did not move in the window', () => {
    expect(
      windowIncrease(
        [
          [990, 8],
          [1005, 8],
        ],
        START,
      ),
    ).toBe(0)
    expect(windowIncrease([[990, 8]], START)).toBe(0)
  })
})

describe('selectorsOf', () => {
  it('finds every selector of a nested expression', () => {
    const usage = { metric: 'usage' } as const
    const expr: Expr = {
      kind: 'divideByScalar',
      left: { kind: 'sum', by: ['feature.name'], of: usage },
      right: { kind: 'countPositive', by: [], of: { kind: 'sum', by: ['tenant.id'], of: usage } },
    }
    expect(selectorsOf(expr)).toEqual([usage, usage])
  })
})
