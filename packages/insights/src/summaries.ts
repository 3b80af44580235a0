/**
 * Runs the catalog against a source and shapes the series into the answers a product team reads.
 * Rows are sorted so that two sources holding the same data give equal objects.
 */
import { ADOPTION_STAGES, type AdoptionStage, ATTR, promLabel } from '@feature-analytics/schema'
import { type ActiveUsersRow, activeUsersRows } from './active-users.ts'
import { CATALOG } from './catalog.ts'
import { analyseDrivers, type Drivers } from './drivers.ts'
import type { Series } from './evaluate.ts'
import type { SlowCall } from './exemplars.ts'
import type { Source } from './source.ts'
import { wilsonInterval } from './stats/wilson.ts'
import type { Window } from './window.ts'

export interface UsageRow {
  feature: string
  plan: string
  calls: number
}

export interface FunnelRow {
  feature: string
  stages: Record<AdoptionStage, number>
  /** Share of the users at each stage who reached the next one, with its Wilson 95% interval. */
  conversions: Conversion[]
}

export interface Conversion {
  from: AdoptionStage
  to: AdoptionStage
  rate: number
  low: number
  high: number
}

export interface LatencyRow {
  feature: string
  p95Ms: number
}

/** Below this many calls a feature and plan's percentiles are not shown ("not enough data"). */
export const MIN_LATENCY_CALLS = 10

export interface LatencyPlanRow {
  feature: string
  plan: string
  /** Calls with a measured latency: the sample size behind the percentiles. */
  calls: number
  /** Undefined when calls < MIN_LATENCY_CALLS. */
  p50Ms: number | undefined
  p95Ms: number | undefined
  p99Ms: number | undefined
  /** The slowest calls of this feature and plan in the last hour, from exemplars (Prometheus only). */
  slowest: SlowCall[]
}

export interface Insights extends Drivers {
  source: string
  /** The window every count covers (see window.ts); absent: totals since each series started. */
  window: Window | null
  usage: UsageRow[]
  errors: UsageRow[]
  funnel: FunnelRow[]
  latencyP95: LatencyRow[]
  /** Per feature and plan, slowest p95 first. */
  latency: LatencyPlanRow[]
  /** Whether the source can name the slowest calls' traces (exemplars); /metrics text cannot. */
  exemplars: boolean
  /** Distinct active users per feature and plan (DAU, WAU, MAU) and stickiness, most MAU first. */
  activeUsers: ActiveUsersRow[]
}

const FEATURE = promLabel(ATTR.featureName)
const PLAN = promLabel(ATTR.userPlan)
const STAGE = promLabel(ATTR.adoptionStage)

export async function collectInsights(source: Source): Promise<Insights> {
  const run = (name: keyof typeof CATALOG) => source.query(CATALOG[name].expr)
  const [usage, errors, funnel, decisions, featureUse, latency] = await Promise.all([
    run('usageByPlan'),
    run('errorsByFeature'),
    run('adoptionFunnel'),
    run('billingDecisions'),
    run('decisionFeatureUse'),
    run('latencyP95'),
  ])
  const [p50, p95, p99, calls, active, exemplars] = await Promise.all([
    run('latencyP50ByPlan'),
    run('latencyP95ByPlan'),
    run('latencyP99ByPlan'),
    run('latencyCallsByPlan'),
    run('activeUsers'),
    source.latencyExemplars?.() ?? Promise.resolve(undefined),
  ])
  return {
    source: source.description,
    window: source.window ?? null,
    usage: usageRows(usage),
    errors: usageRows(errors),
    funnel: funnelRows(funnel),
    ...analyseDrivers(decisions, featureUse),
    latencyP95: latency
      .filter((s) => Number.isFinite(s.value))
      .map((s) => ({ feature: label(s, FEATURE), p95Ms: s.value }))
      .sort((a, b) => b.p95Ms - a.p95Ms || a.feature.localeCompare(b.feature)),
    latency: latencyRows(p50, p95, p99, calls, exemplars ?? []),
    exemplars: exemplars !== undefined,
    activeUsers: activeUsersRows(active),
  }
}

/** How many of the slowest calls each latency row keeps. */
const SLOWEST_PER_ROW = 3

function latencyRows(
  p50: Series[],
  p95: Series[],
  p99: Series[],
  calls: Series[],
  exemplars: readonly SlowCall[],
): LatencyPlanRow[] {
  const key = (s: Series) => `${label(s, FEATURE)}\u0000${label(s, PLAN)}`
  const byKey = (series: Series[]) => new Map(series.map((s) => [key(s), s.value]))
  const [q50, q95, q99] = [byKey(p50), byKey(p95), byKey(p99)]
  return calls
    .filter((s) => s.value > 0)
    .map((s) => {
      const enough = s.value >= MIN_LATENCY_CALLS
      const q = (m: Map<string, number>) => {
        const v = m.get(key(s))
        return enough && v !== undefined && Number.isFinite(v) ? v : undefined
      }
      const feature = label(s, FEATURE)
      const plan = label(s, PLAN)
      return {
        feature,
        plan,
        calls: s.value,
        p50Ms: q(q50),
        p95Ms: q(q95),
        p99Ms: q(q99),
        // Exemplars come slowest first.
        slowest: exemplars.filter((e) => e.feature === feature && e.plan === plan).slice(0, SLOWEST_PER_ROW),
      }
    })
    .sort(
      (a, b) =>
        (b.p95Ms ?? -1) - (a.p95Ms ?? -1) ||
        a.feature.localeCompare(b.feature) ||
        a.plan.localeCompare(b.plan),
    )
}

const label = (series: Series, name: string): string => series.labels[name] ?? ''

function usageRows(series: Series[]): UsageRow[] {
  return series
    .filter((s) => s.value > 0)
    .map((s) => ({ feature: label(s, FEATURE), plan: label(s, PLAN), calls: s.value }))
    .sort((a, b) => b.calls - a.calls || a.feature.localeCompare(b.feature) || a.plan.localeCompare(b.plan))
}

function funnelRows(series: Series[]): FunnelRow[] {
  const rows = new Map<string, FunnelRow>()
  for (const s of series) {
    const feature = label(s, FEATURE)
    const stage = label(s, STAGE) as AdoptionStage
    if (!ADOPTION_STAGES.includes(stage)) continue
    const row = rows.get(feature) ?? {
      feature,
      stages: Object.fromEntries(ADOPTION_STAGES.map((st) => [st, 0])) as Record<AdoptionStage, number>,
      conversions: [],
    }
    row.stages[stage] += Math.round(s.value)
    rows.set(feature, row)
  }
  for (const row of rows.values()) row.conversions = conversions(row.stages)
  return [...rows.values()].sort(
    (a, b) => b.stages.discovered - a.stages.discovered || a.feature.localeCompare(b.feature),
  )
}

function conversions(stages: Record<AdoptionStage, number>): Conversion[] {
  const steps: Conversion[] = []
  for (let i = 0; i + 1 < ADOPTION_STAGES.length; i++) {
    const from = ADOPTION_STAGES[i] as AdoptionStage
    const to = ADOPTION_STAGES[i + 1] as AdoptionStage
    // In a window a later stage can count users whose earlier stage fell before it: cap at 100%.
    const n = stages[from]
    if (n === 0) continue
    const { rate, low, high } = wilsonInterval(Math.min(stages[to], n), n)
    steps.push({ from, to, rate, low, high })
  }
  return steps
}
