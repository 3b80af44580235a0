/**
 * Upgrade and retention drivers as controlled comparisons. At every billing decision the server
 * counts the decision per plan, and once more per feature the tenant used since its previous
 * decision. For a feature f on plan p that gives the 2x2 table
 *
 *                    outcome (upgrade / cancellation)     another decision
 *   used f           a = use(f, p, outcome)               use(f, p) - a
 *   did not use f    decisions(p, outcome) - a            the rest
 *
 * so users are compared with non-users on the same plan, over the same periods, with no tenant
 * ids and no series that grow with the number of tenants. Each row carries the risk ratio, its
 * 95% interval, Fisher's exact p-value, a Benjamini-Hochberg q-value across the table, or "not
 * enough data". A feature seen on several plans also gets one row pooled across them with the
 * Mantel-Haenszel method ("all plans"), never by adding raw counts.
 */
import {
  ATTR,
  BILLING_DECISIONS,
  type BillingDecision,
  PLANS,
  promLabel,
  USAGE_BANDS,
  type UsageBand,
} from '@feature-analytics/schema'
import type { Series } from './evaluate.ts'
import { adjustComparisons, type Comparison, compareGroups } from './stats/comparison.ts'
import { mantelHaenszel } from './stats/mantel-haenszel.ts'
import { type Proportion, wilsonInterval } from './stats/wilson.ts'

/** The plan value of a row pooled across plans. */
export const ALL_PLANS = 'all plans'

export interface DriverRow {
  feature: string
  /** A plan, or ALL_PLANS for the Mantel-Haenszel row. */
  plan: string
  /** Decisions by tenants that used the feature since their previous decision, and by the others. */
  users: number
  nonUsers: number
  /** Of those, decisions with the outcome (upgrades, or cancellations). */
  usersWithOutcome: number
  nonUsersWithOutcome: number
  /** Outcome rate of users / outcome rate of non-users; null: not enough data. */
  ratio: number | null
  ciLow: number | null
  ciHigh: number | null
  pValue: number | null
  qValue: number | null
  significant: boolean
  /** Present when the row has no estimate. */
  note?: 'not enough data'
}

export interface BandRow {
  feature: string
  plan: string
  band: UsageBand
  decisions: number
  upgrade: Proportion
  cancellation: Proportion
}

/** Decisions per plan and decision kind. */
export type DecisionCounts = Record<string, Record<BillingDecision, number>>

export interface Drivers {
  decisions: DecisionCounts
  /** Upgrade-rate ratio of users vs non-users; strongest significant effect (highest ratio) first. */
  upgradeDrivers: DriverRow[]
  /** Churn-rate ratio of users vs non-users; most protective significant feature (lowest ratio) first. */
  retentionDrivers: DriverRow[]
  /** Upgrade and churn rates by how much the tenant used the feature ("used most" before upgrading). */
  usageBands: BandRow[]
}

const FEATURE = promLabel(ATTR.featureName)
const PLAN = promLabel(ATTR.userPlan)
const DECISION = promLabel(ATTR.billingDecision)
const BAND = promLabel(ATTR.usageBand)

const zeroDecisions = (): Record<BillingDecision, number> =>
  Object.fromEntries(BILLING_DECISIONS.map((d) => [d, 0])) as Record<BillingDecision, number>

const isDecision = (value: string): value is BillingDecision =>
  (BILLING_DECISIONS as readonly string[]).includes(value)
const isBand = (value: string): value is UsageBand => (USAGE_BANDS as readonly string[]).includes(value)

/** `decisions`: the billingDecisions query; `featureUse`: the decisionFeatureUse query. */
export function analyseDrivers(decisionSeries: readonly Series[], featureUse: readonly Series[]): Drivers {
  const decisions: DecisionCounts = {}
  for (const s of decisionSeries) {
    const plan = s.labels[PLAN] ?? ''
    const decision = s.labels[DECISION] ?? ''
    if (!isDecision(decision) || plan === '') continue
    decisions[plan] ??= zeroDecisions()
    decisions[plan][decision] += Math.round(s.value)
  }
  // use[feature][plan][band][decision]
  const use = new Map<string, Map<string, Map<UsageBand, Record<BillingDecision, number>>>>()
  for (const s of featureUse) {
    const feature = s.labels[FEATURE] ?? ''
    const plan = s.labels[PLAN] ?? ''
    const decision = s.labels[DECISION] ?? ''
    const band = s.labels[BAND] ?? ''
    if (feature === '' || plan === '' || !isDecision(decision) || !isBand(band)) continue
    const byPlan = use.get(feature) ?? new Map()
    use.set(feature, byPlan)
    const byBand = byPlan.get(plan) ?? new Map()
    byPlan.set(plan, byBand)
    const counts = byBand.get(band) ?? zeroDecisions()
    byBand.set(band, counts)
    counts[decision] += Math.round(s.value)
  }

  const upgradeDrivers = driverTable(use, decisions, 'upgrade', 'desc')
  const retentionDrivers = driverTable(use, decisions, 'cancellation', 'asc')
  return { decisions, upgradeDrivers, retentionDrivers, usageBands: bandRows(use) }
}

type Use = Map<string, Map<string, Map<UsageBand, Record<BillingDecision, number>>>>

function totalOver(bands: Map<UsageBand, Record<BillingDecision, number>>): Record<BillingDecision, number> {
  const total = zeroDecisions()
  for (const counts of bands.values()) for (const d of BILLING_DECISIONS) total[d] += counts[d]
  return total
}

const sumOf = (counts: Record<BillingDecision, number>) =>
  BILLING_DECISIONS.reduce((s, d) => s + counts[d], 0)

function driverTable(
  use: Use,
  decisions: DecisionCounts,
  outcome: BillingDecision,
  order: 'asc' | 'desc',
): DriverRow[] {
  const rows: (Omit<DriverRow, 'qValue' | 'significant'> & { comparison: Comparison })[] = []
  for (const [feature, byPlan] of use) {
    const strata: { a: number; n1: number; c: number; n0: number }[] = []
    for (const plan of orderedPlans(byPlan.keys())) {
      const all = decisions[plan]
      const used = totalOver(byPlan.get(plan) ?? new Map())
      // A plan where no decision had this outcome (nobody upgrades from the top plan) has nothing
      // to compare: no row, rather than a row of "not enough data".
      if (!all || all[outcome] === 0) continue
      const n1 = sumOf(used)
      const a = used[outcome]
      // Counters read at one instant (or one window) can be a few decisions apart across series;
      // never let that produce a negative group.
      const n0 = Math.max(0, sumOf(all) - n1)
      const c = Math.max(0, Math.min(n0, all[outcome] - a))
      const comparison = compareGroups({ n: n1, events: a }, { n: n0, events: c })
      if (comparison.enoughData) strata.push({ a, n1, c, n0 })
      rows.push(row(feature, plan, comparison))
    }
    if (strata.length >= 2) {
      const users = strata.reduce((s, x) => s + x.n1, 0)
      const nonUsers = strata.reduce((s, x) => s + x.n0, 0)
      const pooled = mantelHaenszel(strata)
      rows.push({
        feature,
        plan: ALL_PLANS,
        users,
        nonUsers,
        usersWithOutcome: strata.reduce((s, x) => s + x.a, 0),
        nonUsersWithOutcome: strata.reduce((s, x) => s + x.c, 0),
        ratio: pooled.ratio,
        ciLow: pooled.ciLow,
        ciHigh: pooled.ciHigh,
        pValue: pooled.pValue,
        comparison: {
          users: { n: users, events: 0 },
          nonUsers: { n: nonUsers, events: 0 },
          enoughData: Number.isFinite(pooled.ratio) && Number.isFinite(pooled.pValue),
          ratio: pooled.ratio,
          ciLow: pooled.ciLow,
          ciHigh: pooled.ciHigh,
          pValue: pooled.pValue,
        },
      })
    }
  }
  const adjusted = adjustComparisons(rows.map((r) => (r.comparison.enoughData ? r.pValue : null)))
  const finished: DriverRow[] = rows.map(({ comparison, ...r }, i) => {
    const { qValue, significant } = adjusted[i] ?? { qValue: null, significant: false }
    return comparison.enoughData
      ? { ...r, qValue, significant }
      : {
          ...r,
          ratio: null,
          ciLow: null,
          ciHigh: null,
          pValue: null,
          qValue: null,
          significant: false,
          note: 'not enough data',
        }
  })
  return finished.sort(strongestFirst(order))
}

function row(
  feature: string,
  plan: string,
  c: Comparison,
): Omit<DriverRow, 'qValue' | 'significant'> & { comparison: Comparison } {
  return {
    feature,
    plan,
    users: c.users.n,
    nonUsers: c.nonUsers.n,
    usersWithOutcome: c.users.events,
    nonUsersWithOutcome: c.nonUsers.events,
    ratio: c.ratio,
    ciLow: c.ciLow,
    ciHigh: c.ciHigh,
    pValue: c.pValue,
    comparison: c,
  }
}

/**
 * Significant rows first, strongest effect first (highest ratio for upgrades, lowest for churn);
 * then the rest by p-value; rows without data last. Ties break by name so the order is stable.
 */
function strongestFirst(order: 'asc' | 'desc') {
  const tier = (r: DriverRow) => (r.significant ? 0 : r.ratio !== null ? 1 : 2)
  return (x: DriverRow, y: DriverRow): number => {
    const t = tier(x) - tier(y)
    if (t !== 0) return t
    if (tier(x) === 0) {
      const d = (x.ratio ?? 0) - (y.ratio ?? 0)
      if (d !== 0) return order === 'asc' ? d : -d
    } else if (tier(x) === 1) {
      const d = (x.pValue ?? 1) - (y.pValue ?? 1)
      if (d !== 0) return d
    }
    return x.feature.localeCompare(y.feature) || x.plan.localeCompare(y.plan)
  }
}

function orderedPlans(plans: Iterable<string>): string[] {
  const rank = (p: string) => {
    const i = (PLANS as readonly string[]).indexOf(p)
    return i === -1 ? PLANS.length : i
  }
  return [...plans].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

function bandRows(use: Use): BandRow[] {
  const rows: BandRow[] = []
  for (const [feature, byPlan] of [...use].sort(([a], [b]) => a.localeCompare(b))) {
    for (const plan of orderedPlans(byPlan.keys())) {
      const byBand = byPlan.get(plan) ?? new Map()
      for (const band of USAGE_BANDS) {
        const counts = byBand.get(band)
        if (!counts) continue
        const n = sumOf(counts)
        rows.push({
          feature,
          plan,
          band,
          decisions: n,
          upgrade: wilsonInterval(counts.upgrade, n),
          cancellation: wilsonInterval(counts.cancellation, n),
        })
      }
    }
  }
  return rows
}
