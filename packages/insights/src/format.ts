/** Renders Insights as plain-text tables for terminals and CI logs. */
import { ADOPTION_STAGES, PLANS } from '@feature-analytics/schema'
import { type Insights, MIN_LATENCY_CALLS } from './summaries.ts'

export function formatInsights(insights: Insights): string {
  return [
    usageSection(insights),
    funnelSection(insights),
    upgradeSection(insights),
    retentionSection(insights),
    latencySection(insights),
  ].join('\n\n')
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join('\n')
}

const pct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '-' : `${Math.round(x * 100)}%`
const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1))

function usageSection({ usage, errors }: Insights): string {
  const features = [...new Set(usage.map((r) => r.feature))]
  const calls = (rows: Insights['usage'], feature: string, plan: string) =>
    rows.find((r) => r.feature === feature && r.plan === plan)?.calls ?? 0
  const rows = features.map((f) => [
    f,
    ...PLANS.map((p) => num(calls(usage, f, p))),
    num(PLANS.reduce((sum, p) => sum + calls(errors, f, p), 0)),
  ])
  return `Usage by feature and plan (successful calls)\n${table(['feature', ...PLANS, 'errors'], rows)}`
}

function funnelSection({ funnel }: Insights): string {
  const rows = funnel.map((r) => [r.feature, ...ADOPTION_STAGES.map((s) => num(r.stages[s]))])
  return `Adoption funnel (users reaching each stage)\n${table(['feature', ...ADOPTION_STAGES], rows)}`
}

function upgradeSection({ upgrades }: Insights): string {
  const rows = upgrades.drivers.map((r) => [
    r.feature,
    pct(r.share),
    pct(r.baseline),
    r.lift === undefined ? '-' : `${r.lift.toFixed(2)}x`,
  ])
  return [
    `Upgrades pro -> enterprise: ${num(upgrades.proToEnterprise)} tenants; features they used on pro`,
    table(['feature', 'upgraders', 'all pro', 'lift'], rows),
  ].join('\n')
}

function retentionSection({ retention }: Insights): string {
  const rows = retention.map((r) => [r.feature, num(r.retained), num(r.churned), pct(r.rate)])
  return `Retention by feature used (renewals vs cancellations)\n${table(
    ['feature', 'retained', 'churned', 'retention'],
    rows,
  )}`
}

function latencySection({ latencyP95, latency, exemplars }: Insights): string {
  const rows = latencyP95.map((r) => [r.feature, `${r.p95Ms.toFixed(1)} ms`])
  const ms = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(1)} ms`)
  const byPlan = latency.map((r) => [
    r.feature,
    r.plan,
    num(r.calls),
    ms(r.p50Ms),
    ms(r.p95Ms),
    ms(r.p99Ms),
    r.slowest.length > 0 ? `${r.slowest[0]?.traceId} (${ms(r.slowest[0]?.durationMs)})` : '-',
  ])
  const notEnough = latency.some((r) => r.p95Ms === undefined)
  return [
    `p95 latency per feature\n${table(['feature', 'p95'], rows)}`,
    `Latency per feature and plan, slowest p95 first${exemplars ? '; slowest call of the last hour from exemplars' : ''}`,
    table(['feature', 'plan', 'calls', 'p50', 'p95', 'p99', 'slowest call (trace id)'], byPlan),
    ...(notEnough ? [`  (-: fewer than ${MIN_LATENCY_CALLS} calls, not enough data for percentiles)`] : []),
    ...(exemplars
      ? []
      : ['  (no trace ids: this source has no exemplars; Prometheus on the stack has them)']),
  ].join('\n')
}
