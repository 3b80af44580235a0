/**
 * The Wilson score interval for a proportion: unlike the textbook `p +- z sqrt(p(1-p)/n)` it stays
 * inside [0, 1] and keeps its coverage for small n and rates near 0 or 1, which is where funnel
 * conversion rates live.
 */
import { assertGroup } from './errors.ts'
import { zCritical } from './normal.ts'

export interface Proportion {
  successes: number
  n: number
  /** successes / n; NaN when n is 0. */
  rate: number
  low: number
  high: number
}

export function wilsonInterval(successes: number, n: number, confidence = 0.95): Proportion {
  assertGroup('proportion', successes, n)
  if (n === 0) return { successes, n, rate: Number.NaN, low: 0, high: 1 }
  const z = zCritical(confidence)
  const p = successes / n
  const z2n = (z * z) / n
  const centre = (p + z2n / 2) / (1 + z2n)
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))
  return { successes, n, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}
