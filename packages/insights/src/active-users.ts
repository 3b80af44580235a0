/**
 * Distinct active users and stickiness from product.feature.distinct_users: per feature and plan,
 * DAU (1d), WAU (7d) and MAU (30d), each window ending when the query runs, and DAU/MAU with the
 * interval the sketches' error allows.
 */
import {
  ACTIVITY_WINDOW_NAMES,
  type ActivityWindow,
  ATTR,
  dayOf,
  METRICS,
  promLabel,
} from '@feature-analytics/schema'
import { CATALOG } from './catalog.ts'
import type { CheckResult, Mismatch } from './compare.ts'
import type { Series } from './evaluate.ts'
import type { Ledger } from './ledger.ts'
import type { Source } from './source.ts'

/**
 * The relative standard error of the larger sketch that can produce the counts: the tracker's
 * in-memory HyperLogLog (4,096 registers, 1.04/sqrt(4096)). Redis's (16,384 registers) has 0.81%.
 * Both count small sets (the tracker's below 1,024) all but exactly, so this is an upper bound.
 */
export const SKETCH_RELATIVE_ERROR = 1.04 / Math.sqrt(4096)

/** Below this many monthly active users a stickiness is "not enough data". */
export const MIN_MONTHLY_USERS = 10

export interface ActiveUsersRow {
  feature: string
  plan: string
  /** Distinct users in the window ending now: today so far (1d), 7 days, 30 days. */
  dau: number
  wau: number
  mau: number
  /** DAU/MAU; null when mau < MIN_MONTHLY_USERS (then `note` says why). */
  stickiness: number | null
  /** 95% interval of the stickiness from the sketches' error (both counts off by 1.96 sigma). */
  stickinessLow: number | null
  stickinessHigh: number | null
  note?: 'not enough data'
}

const FEATURE = promLabel(ATTR.featureName)
const PLAN = promLabel(ATTR.userPlan)
const WINDOW = promLabel(ATTR.activityWindow)

export function activeUsersRows(series: readonly Series[]): ActiveUsersRow[] {
  const rows = new Map<string, Record<ActivityWindow, number> & { feature: string; plan: string }>()
  for (const s of series) {
    const feature = s.labels[FEATURE] ?? ''
    const plan = s.labels[PLAN] ?? ''
    const window = s.labels[WINDOW] as ActivityWindow
    const key = `${feature}\u0000${plan}`
    const row = rows.get(key) ?? { feature, plan, '1d': 0, '7d': 0, '30d': 0 }
    if (window in row) row[window] = Math.round(s.value)
    rows.set(key, row)
  }
  return [...rows.values()]
    .filter((r) => r['30d'] > 0)
    .map(({ feature, plan, '1d': dau, '7d': wau, '30d': mau }) => ({
      feature,
      plan,
      dau,
      wau,
      mau,
      ...stickiness(dau, mau),
    }))
    .sort((a, b) => b.mau - a.mau || a.feature.localeCompare(b.feature) || a.plan.localeCompare(b.plan))
}

function stickiness(
  dau: number,
  mau: number,
): Pick<ActiveUsersRow, 'stickiness' | 'stickinessLow' | 'stickinessHigh' | 'note'> {
  if (mau < MIN_MONTHLY_USERS)
    return { stickiness: null, stickinessLow: null, stickinessHigh: null, note: 'not enough data' }
  const z = 1.96 * SKETCH_RELATIVE_ERROR
  // The day's users are among the month's, so the ratio is at most 1 whatever the estimates say.
  const ratio = Math.min(1, dau / mau)
  return {
    stickiness: ratio,
    stickinessLow: Math.min(1, (dau * (1 - z)) / (mau * (1 + z))),
    stickinessHigh: Math.min(1, (dau * (1 + z)) / (mau * (1 - z))),
  }
}

/** How far a sketch's count may be from the truth and still agree: 4 standard errors, at least 1. */
export const activeUsersTolerance = (expected: number): number =>
  Math.max(1, Math.ceil(4 * SKETCH_RELATIVE_ERROR * expected))

/**
 * The windows a ledger's distinct users can be checked in, for a run that started at `startedMs`
 * and is checked at `nowMs`. The ledger counts every user of the run once, which is each window's
 * count while the run stays within one UTC day. Across midnight the trackers' `1d` window starts
 * afresh (a CI run that crossed it found 9 of the 1d series 2 to 11 users short), so only the 7d
 * and 30d windows, which hold both days, still match the ledger; `skipped` says why 1d is left out.
 */
export function checkableWindows(
  startedMs: number,
  nowMs: number = Date.now(),
): { windows: readonly ActivityWindow[]; skipped?: string } {
  if (dayOf(startedMs) === dayOf(nowMs)) return { windows: ACTIVITY_WINDOW_NAMES }
  return {
    windows: ACTIVITY_WINDOW_NAMES.filter((w) => w !== '1d'),
    skipped:
      'distinct users in the 1d window not checked: the run crossed UTC midnight, where that window starts afresh',
  }
}

/**
 * The ledger's distinct users per feature and plan against the source's, in each of `windows`
 * (default all; a simulation fits in one day, on a fresh store, see checkableWindows), within
 * activeUsersTolerance. Series the ledger lacks count as mismatches too. A ledger without
 * `activeUsers` checks nothing here.
 */
export async function compareActiveUsers(
  ledger: Ledger,
  source: Source,
  windows: readonly ActivityWindow[] = ACTIVITY_WINDOW_NAMES,
): Promise<CheckResult> {
  if (ledger.activeUsers === undefined) return { checked: 0, mismatches: [] }
  const actual = new Map<string, number>()
  const id = (feature: string, plan: string, window: string) => JSON.stringify([feature, plan, window])
  for (const s of await source.query(CATALOG.activeUsers.expr)) {
    if (!windows.includes(s.labels[WINDOW] as ActivityWindow)) continue
    actual.set(id(s.labels[FEATURE] ?? '', s.labels[PLAN] ?? '', s.labels[WINDOW] ?? ''), s.value)
  }
  const mismatches: Mismatch[] = []
  let checked = 0
  for (const { feature, plan, users } of ledger.activeUsers) {
    for (const window of windows) {
      checked++
      const key = id(feature, plan, window)
      const got = actual.get(key)
      actual.delete(key)
      if (got === undefined || Math.abs(got - users) > activeUsersTolerance(users)) {
        const attributes = {
          [ATTR.featureName]: feature,
          [ATTR.userPlan]: plan,
          [ATTR.activityWindow]: window,
        }
        mismatches.push({ instrument: METRICS.distinctUsers, attributes, expected: users, actual: got })
      }
    }
  }
  for (const [key, value] of actual) {
    if (value === 0) continue
    const [feature, plan, window] = JSON.parse(key) as string[]
    const attributes = {
      [ATTR.featureName]: feature ?? '',
      [ATTR.userPlan]: plan ?? '',
      [ATTR.activityWindow]: window ?? '',
    }
    mismatches.push({ instrument: METRICS.distinctUsers, attributes, expected: undefined, actual: value })
  }
  return { checked, mismatches }
}
