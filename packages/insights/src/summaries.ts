/**
 * Runs the catalog against a source and shapes the series into the answers a product team reads.
 * Rows are sorted so that two sources holding the same data give equal objects.
 */
import { ADOPTION_STAGES, type AdoptionStage, ATTR, promLabel } from '@feature-analytics/schema'
import { CATALOG } from './catalog.ts'
import type { Series } from './evaluate.ts'
import type { SlowCall } from './exemplars.ts'
import type { Source } from './source.ts'

export interface UsageRow {
  feature: string
  plan: string
  calls: number
}

export interface FunnelRow {
  feature: string
  stages: Record<AdoptionStage, number>
}

export interface UpgradeDriverRow {
  feature: string
  /** Share of pro -> enterprise upgrading tenants that used the feature while on pro. */
  share: number
  /** Share of all tenants active on pro that used it there; undefined without tenant.id. */
  baseline: number | undefined
  /** share / baseline: above 1, upgraders used the feature more than pro tenants at large. */
  lift: number | undefined
}

export interface RetentionRow {
  feature: string
  retained: number
  churned: number
  /** retained / (retained + churned) among tenants that used the feature. */
  rate: number
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

export interface Insights {
  source: string
  usage: UsageRow[]
  errors: UsageRow[]
  funnel: FunnelRow[]
  upgrades: { proToEnterprise: number; drivers: UpgradeDriverRow[] }
  retention: RetentionRow[]
  latencyP95: LatencyRow[]
  /** Per feature and plan, slowest p95 first. */
  latency: LatencyPlanRow[]
  /** Whether the source can name the slowest calls' traces (exemplars); /metrics text cannot. */
  exemplars: boolean
}

const FEATURE = promLabel(ATTR.featureName)
const PLAN = promLabel(ATTR.userPlan)
const STAGE = promLabel(ATTR.adoptionStage)
const RETENTION = promLabel(ATTR.retentionOutcome)

export async function collectInsights(source: Source): Promise<Insights> {
  const run = (name: keyof typeof CATALOG) => source.query(CATALOG[name].expr)
  const [usage, errors, funnel, upgrades, prior, baseline, retention, latency] = await Promise.all([
    run('usageByPlan'),
    run('errorsByFeature'),
    run('adoptionFunnel'),
    run('upgrades'),
    run('upgradePriorUsage'),
    run('proTenantShare'),
    run('retentionByFeature'),
    run('latencyP95'),
  ])
  const [p50, p95, p99, calls, exemplars] = await Promise.all([
    run('latencyP50ByPlan'),
    run('latencyP95ByPlan'),
    run('latencyP99ByPlan'),
    run('latencyCallsByPlan'),
    source.latencyExemplars?.() ?? Promise.resolve(undefined),
  ])
  return {
    source: source.description,
    usage: usageRows(usage),
    errors: usageRows(errors),
    funnel: funnelRows(funnel),
    upgrades: { proToEnterprise: upgrades[0]?.value ?? 0, drivers: driverRows(prior, baseline) },
    retention: retentionRows(retention),
    latencyP95: latency
      .filter((s) => Number.isFinite(s.value))
      .map((s) => ({ feature: label(s, FEATURE), p95Ms: s.value }))
      .sort((a, b) => b.p95Ms - a.p95Ms || a.feature.localeCompare(b.feature)),
    latency: latencyRows(p50, p95, p99, calls, exemplars ?? []),
    exemplars: exemplars !== undefined,
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
    }
    row.stages[stage] += s.value
    rows.set(feature, row)
  }
  return [...rows.values()].sort(
    (a, b) => b.stages.discovered - a.stages.discovered || a.feature.localeCompare(b.feature),
  )
}

function driverRows(prior: Series[], baseline: Series[]): UpgradeDriverRow[] {
  const base = new Map(baseline.map((s) => [label(s, FEATURE), s.value]))
  return prior
    .filter((s) => Number.isFinite(s.value) && s.value > 0)
    .map((s) => {
      const feature = label(s, FEATURE)
      const b = base.get(feature)
      const known = b !== undefined && Number.isFinite(b) && b > 0
      return {
        feature,
        share: s.value,
        baseline: known ? b : undefined,
        lift: known ? s.value / b : undefined,
      }
    })
    .sort((a, b) => (b.lift ?? b.share) - (a.lift ?? a.share) || a.feature.localeCompare(b.feature))
}

function retentionRows(series: Series[]): RetentionRow[] {
  const rows = new Map<string, RetentionRow>()
  for (const s of series) {
    const feature = label(s, FEATURE)
    const row = rows.get(feature) ?? { feature, retained: 0, churned: 0, rate: 0 }
    if (label(s, RETENTION) === 'retained') row.retained += s.value
    else if (label(s, RETENTION) === 'churned') row.churned += s.value
    rows.set(feature, row)
  }
  return [...rows.values()]
    .map((row) => ({ ...row, rate: row.retained / (row.retained + row.churned || 1) }))
    .sort((a, b) => b.rate - a.rate || a.feature.localeCompare(b.feature))
}
