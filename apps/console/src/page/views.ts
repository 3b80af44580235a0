/** Each panel's chart option and table, from the server's JSON. */
import type { FunnelRow, UsageRow } from '@feature-analytics/insights'
import { ADOPTION_STAGES, PLANS } from '@feature-analytics/schema'
import type { Exemplar, LatencyPanel, LatencySeries, TraceResponse } from '../panels.ts'
import type { EChartsCoreOption } from './echarts.ts'
import { count, ms, percent, time } from './format.ts'
import type { TableData } from './panel.ts'

const axisFeatures = (features: string[]) => ({
  type: 'category',
  data: features,
  axisLabel: { fontSize: 11 },
})

export function usageView(rows: UsageRow[]): { option: EChartsCoreOption; table: TableData } {
  const totals = new Map<string, number>()
  for (const row of rows) totals.set(row.feature, (totals.get(row.feature) ?? 0) + row.calls)
  const features = [...totals.keys()].sort((a, b) => (totals.get(a) ?? 0) - (totals.get(b) ?? 0))
  const plans = [
    ...PLANS,
    ...new Set(rows.map((r) => r.plan).filter((p) => !(PLANS as readonly string[]).includes(p))),
  ]
  return {
    option: {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 130, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'value', name: 'successful calls' },
      yAxis: axisFeatures(features),
      series: plans.map((plan) => ({
        name: plan,
        type: 'bar',
        stack: 'calls',
        data: features.map((f) => rows.find((r) => r.feature === f && r.plan === plan)?.calls ?? 0),
      })),
    },
    table: {
      columns: ['feature', 'plan', 'calls'],
      numeric: [2],
      rows: rows.map((r) => [r.feature, r.plan, count(r.calls)]),
    },
  }
}

const conversion = (to: number, from: number) => (from > 0 ? to / from : Number.NaN)

export function funnelView(rows: FunnelRow[]): { option: EChartsCoreOption; table: TableData } {
  const features = rows.map((r) => r.feature)
  return {
    option: {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 80 },
      xAxis: { ...axisFeatures(features), axisLabel: { rotate: 35, fontSize: 10 } },
      yAxis: { type: 'value', name: 'users' },
      series: ADOPTION_STAGES.map((stage) => ({
        name: stage,
        type: 'bar',
        data: rows.map((r) => r.stages[stage]),
      })),
    },
    table: {
      columns: [
        'feature',
        ...ADOPTION_STAGES,
        'activated / discovered',
        'adopted / activated',
        'power_user / adopted',
      ],
      numeric: [1, 2, 3, 4, 5, 6, 7],
      rows: rows.map((r) => [
        r.feature,
        ...ADOPTION_STAGES.map((s) => count(r.stages[s])),
        percent(conversion(r.stages.activated, r.stages.discovered)),
        percent(conversion(r.stages.adopted, r.stages.activated)),
        percent(conversion(r.stages.power_user, r.stages.adopted)),
      ]),
    },
  }
}

export function latencyView(
  panel: LatencyPanel,
  series: LatencySeries | undefined,
  exemplars: Exemplar[],
): { option: EChartsCoreOption; tables: TableData[] } {
  const points = series?.points ?? []
  const line = (name: 'p50' | 'p95' | 'p99') => ({
    name,
    type: 'line',
    showSymbol: false,
    connectNulls: false,
    data: points.map((p) => [p.t, p[name]]),
  })
  return {
    option: {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'ms' },
      series: [
        line('p50'),
        line('p95'),
        line('p99'),
        // Dots only where exemplars exist (the stack); the embedded source has none.
        ...(exemplars.length === 0
          ? []
          : [
              {
                name: 'exemplars',
                type: 'scatter',
                symbolSize: 9,
                itemStyle: { color: '#e12d39' },
                tooltip: { trigger: 'item', formatter: 'trace {@[2]}: {@[1]} ms (click for its spans)' },
                data: exemplars.map((e) => [e.t, e.valueMs, e.traceId]),
              },
            ]),
      ],
    },
    tables: [
      {
        caption: `${series?.feature ?? ''}: quantiles over the ${panel.rateWindowSeconds} s before each time (ms)`,
        columns: ['time (UTC)', 'p50', 'p95', 'p99'],
        numeric: [1, 2, 3],
        rows: points.map((p) => [time(p.t), ms(p.p50), ms(p.p95), ms(p.p99)]),
      },
      {
        caption: `Every feature, ${panel.summaryScope} (ms)`,
        columns: ['feature', 'p50', 'p95', 'p99'],
        numeric: [1, 2, 3],
        rows: panel.summary.map((r) => [r.feature, ms(r.p50), ms(r.p95), ms(r.p99)]),
      },
      {
        caption: 'Exemplars (sampled calls with their trace)',
        columns: ['time (UTC)', 'feature', 'ms', 'trace id'],
        numeric: [2],
        rows: exemplars.map((e) => [time(e.t), e.feature, ms(e.valueMs), e.traceId]),
      },
    ],
  }
}

export function traceTable(trace: TraceResponse): TableData {
  const total = Math.max(...trace.spans.map((s) => s.offsetMs + s.durationMs), 0.001)
  return {
    caption: `trace ${trace.traceId}`,
    columns: ['span', 'service', 'start (ms)', 'duration (ms)', '', 'attributes'],
    numeric: [2, 3],
    rows: trace.spans.map((s) => {
      const name = document.createElement('span')
      name.style.paddingLeft = `${s.depth * 1.2}rem`
      name.textContent = s.operation
      const bar = document.createElement('div')
      bar.className = 'span-bar'
      bar.style.marginLeft = `${(s.offsetMs / total) * 100}%`
      bar.style.width = `${(s.durationMs / total) * 100}%`
      const track = document.createElement('div')
      track.style.width = '12rem'
      track.append(bar)
      return [
        { html: name },
        s.service,
        ms(s.offsetMs),
        ms(s.durationMs),
        { html: track },
        Object.entries(s.attributes)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ]
    }),
  }
}
