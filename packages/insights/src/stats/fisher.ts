/**
 * Fisher's exact test for a 2x2 table, two-sided: the probability, under independence with the
 * margins fixed, of a table at most as likely as the one observed. Exact for any sample size, so
 * a feature used by a handful of tenants gets an honest p-value rather than a chi-square guess.
 */
import pmf from '@stdlib/stats-base-dists-hypergeometric-pmf'
import { assertCount } from './errors.ts'

/**
 * Relative tolerance when comparing table probabilities, as scipy.stats.fisher_exact does, so
 * that tables exactly as likely as the observed one are not lost to floating-point noise.
 */
const TIES = 1 + 1e-7

/** Table [[a, b], [c, d]]: rows are the groups, columns the outcome (event, no event). */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  for (const [name, value] of Object.entries({ a, b, c, d })) assertCount(name, value)
  const total = a + b + c + d
  const row = a + b
  const column = a + c
  if (row === 0 || column === 0 || row === total || column === total) return 1
  const observed = pmf(a, total, column, row)
  let p = 0
  for (let x = Math.max(0, row + column - total); x <= Math.min(row, column); x++) {
    const px = pmf(x, total, column, row)
    if (px <= observed * TIES) p += px
  }
  return Math.min(1, p)
}
