/**
 * One controlled comparison: the outcome rate of a feature's users against non-users on the same
 * plan, as a risk ratio with its interval and Fisher's exact p-value, or "not enough data" below
 * the minimum sample. `adjustComparisons` then adds Benjamini-Hochberg q-values across a family.
 */
import { benjaminiHochberg } from './benjamini-hochberg.ts'
import { fisherExact } from './fisher.ts'
import { riskRatio } from './risk-ratio.ts'

/**
 * Below these a row says "not enough data": with fewer than 10 decisions in a group, or fewer
 * than 5 outcome events in all, a ratio swings with a single tenant and its interval is too wide
 * to act on.
 */
export const MIN_SAMPLE = { perGroup: 10, events: 5 } as const

export interface Group {
  /** Decisions in the group. */
  n: number
  /** Of those, decisions with the outcome (an upgrade, a cancellation). */
  events: number
}

export interface Comparison {
  users: Group
  nonUsers: Group
  /** false: "not enough data", and ratio, interval and p-value are null. */
  enoughData: boolean
  ratio: number | null
  ciLow: number | null
  ciHigh: number | null
  pValue: number | null
}

export interface Adjusted {
  qValue: number | null
  significant: boolean
}

export function compareGroups(users: Group, nonUsers: Group): Comparison {
  const enoughData =
    users.n >= MIN_SAMPLE.perGroup &&
    nonUsers.n >= MIN_SAMPLE.perGroup &&
    users.events + nonUsers.events >= MIN_SAMPLE.events
  if (!enoughData) {
    // Still validates the counts: bad input is an error even when it would not be reported.
    riskRatio(users.events, users.n, nonUsers.events, nonUsers.n)
    return { users, nonUsers, enoughData, ratio: null, ciLow: null, ciHigh: null, pValue: null }
  }
  const { ratio, ciLow, ciHigh } = riskRatio(users.events, users.n, nonUsers.events, nonUsers.n)
  const pValue = fisherExact(
    users.events,
    users.n - users.events,
    nonUsers.events,
    nonUsers.n - nonUsers.events,
  )
  return { users, nonUsers, enoughData, ratio, ciLow, ciHigh, pValue }
}

/** q-values over the rows that were tested; significant when q < alpha. */
export function adjustComparisons(pValues: readonly (number | null)[], alpha = 0.05): Adjusted[] {
  const q = benjaminiHochberg(pValues.map((p) => p ?? Number.NaN))
  return q.map((value) =>
    Number.isNaN(value)
      ? { qValue: null, significant: false }
      : { qValue: value, significant: value < alpha },
  )
}
