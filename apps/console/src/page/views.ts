/** Each panel's chart option and table, from the server's JSON. */
import type { ActiveUsersRow, DriverRow, FunnelRow, UsageRow } from '@feature-analytics/insights'
import { ADOPTION_STAGES, PLANS } from '@feature-analytics/schema'
import type { Exemplar, LatencyPanel, LatencySeries, TraceResponse } from '../panels.ts'
import type { EChartsCoreOption } from './echarts.ts'
import { count, interval, ms, probability, rateWithInterval, ratio, time } from './format.ts'
import type { TableData } from './panel.ts'

/**
 * Tooltips drawn on the canvas: ECharts' HTML tooltips carry inline style attributes, which the
 * page's Content-Security-Policy (no inline styles) rightly blocks.
 */
const TOOLTIP = { renderMode: 'richText' } as const

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
      tooltip: { ...TOOLTIP, trigger: 'axis', axisPointer: { type: 'shadow' } },
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

const STEPS = ADOPTION_STAGES.slice(1).map((to, i) => [ADOPTION_STAGES[i] as string, to] as const)

export function funnelView(rows: FunnelRow[]): { option: EChartsCoreOption; table: TableData } {
  const features = rows.map((r) => r.feature)
  return {
    option: {
      tooltip: { ...TOOLTIP, trigger: 'axis', axisPointer: { type: 'shadow' } },
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
      caption: 'Users per stage, and the share who went on to the next stage with its 95% Wilson interval',
      columns: ['feature', ...ADOPTION_STAGES, ...STEPS.map(([from, to]) => `${to} / ${from}`)],
      numeric: [1, 2, 3, 4, 5, 6, 7],
      rows: rows.map((r) => [
        r.feature,
        ...ADOPTION_STAGES.map((s) => count(r.stages[s])),
        ...STEPS.map(([from, to]) => {
          const step = r.conversions.find((c) => c.from === from && c.to === to)
          return step ? rateWithInterval(step.rate, step.low, step.high) : 'no users'
        }),
      ]),
    },
  }
}

/**
 * A forest plot: one row per feature and plan, the ratio as a dot (filled when significant after
 * the Benjamini-Hochberg adjustment), its 95% interval as a bar, on a log axis around 1 (no effect).
 * Rows without an estimate say "not enough data" in their label.
 */
export function driversView(
  rows: DriverRow[],
  outcome: string,
): { option: EChartsCoreOption; table: TableData; height: number } {
  // The report lists the strongest first; a category axis draws its first entry at the bottom.
  const shown = [...rows].reverse()
  const labels = shown.map((r) => `${r.feature} · ${r.plan}${r.ratio === null ? ' · not enough data' : ''}`)
  const estimate = (significant: boolean) =>
    shown.map((r, i) => (r.ratio !== null && r.significant === significant ? [r.ratio, i] : [null, i]))
  const bounds = rows.flatMap((r) => (r.ciLow !== null && r.ciHigh !== null ? [r.ciLow, r.ciHigh] : []))
  return {
    height: Math.max(220, shown.length * 18 + 70),
    option: {
      tooltip: { ...TOOLTIP, trigger: 'item' },
      legend: { top: 0 },
      grid: { left: 250, right: 30, top: 30, bottom: 40 },
      xAxis: {
        type: 'log',
        name: `${outcome} rate ratio, users / non-users (95% CI)`,
        nameLocation: 'middle',
        nameGap: 25,
        // Whole decades, so the axis reads 0.1, 1, 10 and every interval fits.
        min: 10 ** Math.floor(Math.log10(Math.min(0.1, ...bounds))),
        max: 10 ** Math.ceil(Math.log10(Math.max(10, ...bounds))),
      },
      yAxis: { type: 'category', data: labels, axisLabel: { fontSize: 10 } },
      series: [
        intervalSeries(shown.map((r, i) => [r.ciLow ?? Number.NaN, r.ciHigh ?? Number.NaN, i])),
        {
          name: 'significant',
          type: 'scatter',
          symbolSize: 10,
          itemStyle: { color: '#e12d39' },
          data: estimate(true),
          markLine: {
            silent: true,
            symbol: 'none',
            label: { show: false },
            data: [{ xAxis: 1 }],
            lineStyle: { type: 'dashed' },
          },
          z: 2,
        },
        {
          name: 'not significant',
          type: 'scatter',
          symbolSize: 9,
          itemStyle: { color: '#fff', borderColor: '#52606d', borderWidth: 2 },
          data: estimate(false),
          z: 2,
        },
      ],
    },
    table: {
      columns: ['feature', 'plan', 'users', 'non-users', 'ratio', '95% CI', 'p', 'q', 'significant'],
      numeric: [2, 3, 4, 6, 7],
      rows: rows.map((r) => [
        r.feature,
        r.plan,
        count(r.users),
        count(r.nonUsers),
        r.ratio === null ? (r.note ?? 'not enough data') : ratio(r.ratio),
        interval(r.ciLow, r.ciHigh),
        probability(r.pValue),
        probability(r.qValue),
        r.significant ? 'yes' : 'no',
      ]),
    },
  }
}

interface ForestApi {
  value(dimension: number): number
  coord(point: [number, number]): [number, number]
}

/** 95% intervals as horizontal lines: data rows are [low, high, category index] (NaN: none). */
function intervalSeries(data: number[][], axes: { xAxisIndex?: number; yAxisIndex?: number } = {}) {
  return {
    name: '95% interval',
    type: 'custom',
    ...axes,
    data,
    renderItem: (_params: unknown, api: ForestApi) => {
      const low = api.value(0)
      const high = api.value(1)
      if (!Number.isFinite(low) || !Number.isFinite(high)) return null
      const [x1, y] = api.coord([low, api.value(2)])
      const [x2] = api.coord([high, api.value(2)])
      return { type: 'line', shape: { x1, y1: y, x2, y2: y }, style: { stroke: '#52606d', lineWidth: 2 } }
    },
    encode: { x: [0, 1], y: 2 },
    itemStyle: { color: '#52606d' },
    z: 1,
  }
}

/** How the active-users table shows a stickiness: the rate and its interval, or why there is none. */
export const stickinessCell = (r: ActiveUsersRow): string =>
  r.stickiness === null || r.stickinessLow === null || r.stickinessHigh === null
    ? (r.note ?? 'not enough data')
    : rateWithInterval(r.stickiness, r.stickinessLow, r.stickinessHigh)

/**
 * Active users: DAU, WAU and MAU per feature and plan as bars (left), and the stickiness DAU/MAU
 * as a dot with its 95% interval (right; rows below the minimum MAU have none and say so).
 */
export function activeUsersView(rows: ActiveUsersRow[]): {
  option: EChartsCoreOption
  table: TableData
  height: number
} {
  // The report lists the most monthly users first; a category axis draws its first entry at the bottom.
  const shown = [...rows].reverse()
  const labels = shown.map(
    (r) => `${r.feature} · ${r.plan}${r.stickiness === null ? ' · not enough data' : ''}`,
  )
  const windows = [
    ['MAU (30d)', 'mau'],
    ['WAU (7d)', 'wau'],
    ['DAU (1d)', 'dau'],
  ] as const
  return {
    height: Math.max(240, shown.length * 18 + 80),
    option: {
      tooltip: { ...TOOLTIP, trigger: 'item' },
      legend: { top: 0 },
      grid: [
        { left: 250, right: '38%', top: 30, bottom: 40 },
        { left: '66%', right: 30, top: 30, bottom: 40 },
      ],
      xAxis: [
        { gridIndex: 0, type: 'value', name: 'distinct users', nameLocation: 'middle', nameGap: 25 },
        {
          gridIndex: 1,
          type: 'value',
          min: 0,
          max: 1,
          name: 'stickiness DAU/MAU (95% interval)',
          nameLocation: 'middle',
          nameGap: 25,
          axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
        },
      ],
      yAxis: [
        { gridIndex: 0, type: 'category', data: labels, axisLabel: { fontSize: 10 } },
        { gridIndex: 1, type: 'category', data: labels, axisLabel: { show: false } },
      ],
      series: [
        ...windows.map(([name, key]) => ({ name, type: 'bar', data: shown.map((r) => r[key]) })),
        intervalSeries(
          shown.map((r, i) => [r.stickinessLow ?? Number.NaN, r.stickinessHigh ?? Number.NaN, i]),
          { xAxisIndex: 1, yAxisIndex: 1 },
        ),
        {
          name: 'stickiness',
          type: 'scatter',
          xAxisIndex: 1,
          yAxisIndex: 1,
          symbolSize: 9,
          itemStyle: { color: '#e12d39' },
          data: shown.map((r, i) => [r.stickiness, i]),
          z: 2,
        },
      ],
    },
    table: {
      caption:
        'Distinct users who visited the feature’s page in the window ending now (HyperLogLog estimates), and DAU/MAU with the 95% interval the sketches’ error allows',
      columns: ['feature', 'plan', 'DAU (1d)', 'WAU (7d)', 'MAU (30d)', 'stickiness'],
      numeric: [2, 3, 4, 5],
      rows: rows.map((r) => [r.feature, r.plan, count(r.dau), count(r.wau), count(r.mau), stickinessCell(r)]),
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
      tooltip: { ...TOOLTIP, trigger: 'axis', valueFormatter: (v: number | null) => `${ms(v)} ms` },
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
                tooltip: {
                  trigger: 'item',
                  formatter: (point: { value: [number, number, string] }) =>
                    `trace ${point.value[2]}: ${ms(point.value[1])} ms (click for its spans)`,
                },
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
