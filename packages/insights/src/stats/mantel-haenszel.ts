/**
 * The Mantel-Haenszel risk ratio pooled over strata (here: plans), its Greenland-Robins interval,
 * and the Cochran-Mantel-Haenszel test. Pooling this way compares users with non-users inside each
 * plan and only then combines, so a plan that both uses a feature more and churns less cannot
 * pass its baseline off as the feature's effect (adding raw counts across plans would).
 */
import cdf from '@stdlib/stats-base-dists-chisquare-cdf'
import { assertGroup } from './errors.ts'
import { zCritical } from './normal.ts'
import type { Ratio } from './risk-ratio.ts'

/** One stratum: `a` events among `n1` exposed, `c` among `n0` unexposed. */
export interface Stratum {
  a: number
  n1: number
  c: number
  n0: number
}

export interface PooledRatio extends Ratio {
  /** CMH test of no association given the strata, with the continuity correction. */
  pValue: number
}

export function mantelHaenszel(strata: readonly Stratum[], confidence = 0.95): PooledRatio {
  let numerator = 0
  let denominator = 0
  let variance = 0
  let observed = 0
  let expected = 0
  let hypergeometric = 0
  for (const [i, { a, n1, c, n0 }] of strata.entries()) {
    assertGroup(`stratum ${i} exposed`, a, n1)
    assertGroup(`stratum ${i} unexposed`, c, n0)
    const n = n1 + n0
    if (n1 === 0 || n0 === 0) continue
    const events = a + c
    numerator += (a * n0) / n
    denominator += (c * n1) / n
    variance += (n1 * n0 * events - a * c * n) / (n * n)
    observed += a
    expected += (n1 * events) / n
    if (n > 1) hypergeometric += (n1 * n0 * events * (n - events)) / (n * n * (n - 1))
  }
  const ratio = numerator / denominator
  const se = Math.sqrt(variance / (numerator * denominator))
  const z = zCritical(confidence)
  const valid = numerator > 0 && denominator > 0
  const chi2 = hypergeometric > 0 ? (Math.abs(observed - expected) - 0.5) ** 2 / hypergeometric : Number.NaN
  return {
    ratio: valid ? ratio : Number.NaN,
    ciLow: valid ? ratio * Math.exp(-z * se) : Number.NaN,
    ciHigh: valid ? ratio * Math.exp(z * se) : Number.NaN,
    pValue: Number.isNaN(chi2) ? Number.NaN : Math.abs(observed - expected) <= 0.5 ? 1 : 1 - cdf(chi2, 1),
  }
}
