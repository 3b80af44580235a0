/**
 * Runs the catalog against a source and shapes the series into the answers a product team reads.
 * Rows are sorted so that two sources holding the same data give equal objects.
 */
import { ADOPTION_STAGES, type AdoptionStage, ATTR, promLabel } from '@feature-analytics/schema'
import { CATALOG } from './catalog.ts'
import type { Series } from './evaluate.ts'
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

export interface Insights {
  source: string
  usage: UsageRow[]
  errors: UsageRow[]
  funnel: FunnelRow[]
  upgrades: { proToEnterprise: number; drivers: UpgradeDriverRow[] }
  retention: RetentionRow[]
  latencyP95: LatencyRow[]
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
  }
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
