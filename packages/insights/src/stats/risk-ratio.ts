/**
 * The risk ratio of two groups with the Katz log interval: log(RR) is close to normal with
 * variance 1/a - 1/n1 + 1/c - 1/n0. A zero cell makes the log infinite, so a zero cell counts as
 * 0.5 (statsmodels' `shift_zeros`, the reference the tests compare with).
 */
import { assertGroup } from './errors.ts'
import { zCritical } from './normal.ts'

export interface Ratio {
  ratio: number
  ciLow: number
  ciHigh: number
}

/** `a` events among `n1` in the exposed group (feature users), `c` among `n0` in the others. */
export function riskRatio(a: number, n1: number, c: number, n0: number, confidence = 0.95): Ratio {
  assertGroup('exposed', a, n1)
  assertGroup('unexposed', c, n0)
  if (n1 === 0 || n0 === 0) return { ratio: Number.NaN, ciLow: Number.NaN, ciHigh: Number.NaN }
  const cell = (x: number) => (x === 0 ? 0.5 : x)
  const [ea, eb, ec, ed] = [cell(a), cell(n1 - a), cell(c), cell(n0 - c)]
  const [en1, en0] = [ea + eb, ec + ed]
  const logRatio = Math.log(ea / en1 / (ec / en0))
  const se = Math.sqrt(1 / ea - 1 / en1 + 1 / ec - 1 / en0)
  const z = zCritical(confidence)
  return {
    ratio: Math.exp(logRatio),
    ciLow: Math.exp(logRatio - z * se),
    ciHigh: Math.exp(logRatio + z * se),
  }
}
