/** Renders Insights as plain-text tables for terminals and CI logs. */
import { ADOPTION_STAGES, PLANS } from '@feature-analytics/schema'
import { MIN_MONTHLY_USERS, SKETCH_RELATIVE_ERROR } from './active-users.ts'
import { ALL_PLANS, type DriverRow } from './drivers.ts'
import { MIN_SAMPLE } from './stats/comparison.ts'
import { type Insights, MIN_LATENCY_CALLS } from './summaries.ts'
import { describeWindow } from './window.ts'

export function formatInsights(insights: Insights): string {
  return [
    `Source: ${insights.source}; counts cover ${describeWindow(insights.window ?? undefined)}`,
    usageSection(insights),
    funnelSection(insights),
    decisionsSection(insights),
    driverSection(
      'Upgrade drivers: upgrade rate of tenants that used the feature since their previous billing decision vs those that did not, same plan',
      'upgrade',
      insights.upgradeDrivers,
    ),
    driverSection(
      'Retention drivers: cancellation rate of users vs non-users, same plan (below 1: users cancel less)',
      'cancel',
      insights.retentionDrivers,
    ),
    intensitySection(insights),
    activeUsersSection(insights),
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
  const rows = funnel.map((r) => [
    r.feature,
    ...ADOPTION_STAGES.map((s) => num(r.stages[s])),
    ...ADOPTION_STAGES.slice(1).map((to) => {
      const c = r.conversions.find((x) => x.to === to)
      return c ? `${pct(c.rate)} (${pct(c.low)}-${pct(c.high)})` : '-'
    }),
  ])
  const steps = ADOPTION_STAGES.slice(1).map((to) => `-> ${to}`)
  return `Adoption funnel (users reaching each stage; conversion to the next stage with its 95% Wilson interval)\n${table(
    ['feature', ...ADOPTION_STAGES, ...steps],
    rows,
  )}`
}

function decisionsSection({ decisions }: Insights): string {
  const kinds = ['renewal', 'upgrade', 'downgrade', 'cancellation'] as const
  const rows = PLANS.filter((p) => decisions[p]).map((p) => [
    p,
    ...kinds.map((k) => num(decisions[p]?.[k] ?? 0)),
  ])
  return `Billing decisions per plan\n${table(['plan', ...kinds], rows)}`
}

const ratio = (x: number | null) => (x === null ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(2))
const pValue = (p: number | null) => (p === null ? '-' : p < 0.0001 ? '<0.0001' : p.toFixed(4))

function driverSection(title: string, outcome: string, rows: readonly DriverRow[]): string {
  if (rows.length === 0) return `${title}\n  no billing decisions recorded yet`
  const lines = rows.map((r) => [
    r.feature,
    r.plan,
    `${r.usersWithOutcome}/${r.users}`,
    `${r.nonUsersWithOutcome}/${r.nonUsers}`,
    r.note ?? `${ratio(r.ratio)}x`,
    r.note ? '' : `${ratio(r.ciLow)}-${ratio(r.ciHigh)}`,
    pValue(r.pValue),
    pValue(r.qValue),
    r.significant ? 'yes' : r.note ? '' : 'no',
  ])
  return [
    title,
    table(
      [
        'feature',
        'plan',
        `users ${outcome}`,
        `others ${outcome}`,
        'ratio',
        '95% CI',
        'p',
        'q (BH)',
        'significant',
      ],
      lines,
    ),
    `  Significant: q < 0.05 after Benjamini-Hochberg over the table. Not enough data: fewer than ${MIN_SAMPLE.perGroup} decisions in a group or ${MIN_SAMPLE.events} outcomes in all. "${ALL_PLANS}": Mantel-Haenszel over the plans.`,
  ].join('\n')
}

function intensitySection({ usageBands, upgradeDrivers }: Insights): string {
  const top = upgradeDrivers.filter((r) => r.significant && r.plan !== ALL_PLANS).slice(0, 3)
  if (top.length === 0) return 'Usage intensity: no significant upgrade driver to break down'
  const rows = usageBands
    .filter((b) => top.some((t) => t.feature === b.feature && t.plan === b.plan))
    .map((b) => [
      b.feature,
      b.plan,
      b.band,
      num(b.decisions),
      `${pct(b.upgrade.rate)} (${pct(b.upgrade.low)}-${pct(b.upgrade.high)})`,
    ])
  return `Upgrade rate by calls since the previous decision (significant upgrade drivers)\n${table(
    ['feature', 'plan', 'calls', 'decisions', 'upgrade rate (95% CI)'],
    rows,
  )}`
}

function latencySection({ latencyP95, latency, exemplars, window }: Insights): string {
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
    `Latency per feature and plan, slowest p95 first${exemplars ? `; slowest call ${window ? 'of the window' : 'of the last hour'} from exemplars` : ''}`,
    table(['feature', 'plan', 'calls', 'p50', 'p95', 'p99', 'slowest call (trace id)'], byPlan),
    ...(notEnough ? [`  (-: fewer than ${MIN_LATENCY_CALLS} calls, not enough data for percentiles)`] : []),
    ...(exemplars
      ? []
      : ['  (no trace ids: this source has no exemplars; Prometheus on the stack has them)']),
  ].join('\n')
}

function activeUsersSection({ activeUsers }: Insights): string {
  const title =
    'Active users per feature and plan (distinct users who visited its page; windows end now) and stickiness (DAU/MAU, 95% interval)'
  if (activeUsers.length === 0) return `${title}\n  no feature page visits recorded yet`
  const rows = activeUsers.map((r) => [
    r.feature,
    r.plan,
    num(r.dau),
    num(r.wau),
    num(r.mau),
    r.stickiness === null
      ? (r.note ?? '-')
      : `${pct(r.stickiness)} (${pct(r.stickinessLow ?? undefined)}-${pct(r.stickinessHigh ?? undefined)})`,
  ])
  return [
    title,
    table(['feature', 'plan', 'DAU', 'WAU', 'MAU', 'stickiness'], rows),
    `  HyperLogLog counts: at most ${(SKETCH_RELATIVE_ERROR * 100).toFixed(1)}% standard error (exact for small counts). Not enough data: MAU under ${MIN_MONTHLY_USERS}. DAU is today so far.`,
  ].join('\n')
}
