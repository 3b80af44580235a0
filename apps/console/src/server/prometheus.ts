/**
 * The stack source: Prometheus's HTTP API. Totals go through packages/insights' catalog
 * (`prometheusSource`); the time axis uses range queries over the picked window, and exemplars come
 * from `/api/v1/query_exemplars`, carrying the trace id that Jaeger holds the span tree for.
 */

import {
  latencyExemplars,
  prometheusSource,
  type Series,
  type Source,
  SourceError,
} from '@feature-analytics/insights'
import { ATTR, PROMETHEUS_NAMES, promLabel } from '@feature-analytics/schema'
import {
  type Exemplar,
  type LatencyPanel,
  type LatencyPoint,
  QUANTILES,
  type QuantileName,
} from '../panels.ts'

const FEATURE = promLabel(ATTR.featureName)
const LATENCY_BUCKET = `${PROMETHEUS_NAMES.latency}_bucket`

/** Range-query resolution: about 120 points over the window, never finer than 15 s. */
export function resolution(windowSeconds: number): { stepSeconds: number; rateWindowSeconds: number } {
  const stepSeconds = Math.max(15, Math.ceil(windowSeconds / 120))
  // rate() needs at least two samples per window; the API exports every 5 s on the stack.
  return { stepSeconds, rateWindowSeconds: Math.max(60, 4 * stepSeconds) }
}

const quantilePromQL = (q: number, fn: 'rate' | 'increase', rangeSeconds: number) =>
  `histogram_quantile(${q}, sum by (${FEATURE}, le) (${fn}(${LATENCY_BUCKET}[${rangeSeconds}s])))`

interface PrometheusBody<T> {
  status?: string
  error?: string
  data?: T
}

export class PrometheusClient {
  readonly baseUrl: string

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl
  }

  /** The report's source over the window: counters read as increase() over it. */
  totals(windowSeconds: number): Source {
    return prometheusSource(this.baseUrl, { seconds: windowSeconds })
  }

  async latency(windowSeconds: number, now = Date.now()): Promise<Omit<LatencyPanel, 'exemplars'>> {
    const { stepSeconds, rateWindowSeconds } = resolution(windowSeconds)
    const end = Math.floor(now / 1000)
    const start = end - windowSeconds
    const points = new Map<string, Map<number, LatencyPoint>>()
    const summary = new Map<string, Record<QuantileName, number>>()
    await Promise.all(
      QUANTILES.map(async ([name, q]) => {
        const [matrix, vector] = await Promise.all([
          this.rangeQuery(quantilePromQL(q, 'rate', rateWindowSeconds), start, end, stepSeconds),
          this.instantQuery(quantilePromQL(q, 'increase', windowSeconds), end),
        ])
        for (const { metric, values } of matrix) {
          const feature = metric[FEATURE]
          if (!feature) continue
          const byTime = points.get(feature) ?? new Map<number, LatencyPoint>()
          for (const [t, v] of values) {
            const point = byTime.get(t) ?? { t: t * 1000, p50: null, p95: null, p99: null }
            const value = Number(v)
            point[name] = Number.isFinite(value) ? value : null
            byTime.set(t, point)
          }
          points.set(feature, byTime)
        }
        for (const { labels, value } of vector) {
          const feature = labels[FEATURE]
          if (!feature || !Number.isFinite(value)) continue
          const row = summary.get(feature) ?? { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN }
          row[name] = value
          summary.set(feature, row)
        }
      }),
    )
    return {
      rateWindowSeconds,
      series: [...points.entries()]
        .map(([feature, byTime]) => ({ feature, points: [...byTime.values()].sort((a, b) => a.t - b.t) }))
        .sort((a, b) => a.feature.localeCompare(b.feature)),
      summaryScope: `calls in the last ${windowSeconds} s`,
      summary: [...summary.entries()]
        .filter(([, row]) => QUANTILES.every(([name]) => Number.isFinite(row[name])))
        .map(([feature, row]) => ({ feature, ...row }))
        .sort((a, b) => b.p95 - a.p95 || a.feature.localeCompare(b.feature)),
    }
  }

  /** The latency histogram's exemplars in the window (packages/insights' query): each a sampled call and its trace id. */
  async exemplars(windowSeconds: number, now = Date.now()): Promise<Exemplar[]> {
    const calls = await latencyExemplars(this.baseUrl, PROMETHEUS_NAMES.latency, {
      sinceMs: windowSeconds * 1000,
      untilMs: Math.floor(now / 1000) * 1000,
    })
    // latencyExemplars answers slowest first, which is the order slowestPerFeature needs.
    return calls
      .map((call) => ({
        feature: call.feature,
        t: call.timeMs,
        valueMs: call.durationMs,
        traceId: call.traceId,
        spanId: call.spanId || undefined,
      }))
      .filter((e) => e.feature && e.traceId && Number.isFinite(e.valueMs))
      .filter(slowestPerFeature(EXEMPLARS_PER_FEATURE))
      .sort((a, b) => a.t - b.t)
  }

  async rangeQuery(
    query: string,
    start: number,
    end: number,
    step: number,
  ): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
    const data = await this.call<{
      resultType: string
      result: { metric: Record<string, string>; values: [number, string][] }[]
    }>('api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) })
    if (data.resultType !== 'matrix')
      throw new SourceError(`${query}: expected a matrix, got ${data.resultType}`)
    return data.result
  }

  async instantQuery(query: string, time: number): Promise<Series[]> {
    const data = await this.call<{
      resultType: string
      result: { metric: Record<string, string>; value: [number, string] }[]
    }>('api/v1/query', { query, time: String(time) })
    if (data.resultType !== 'vector')
      throw new SourceError(`${query}: expected a vector, got ${data.resultType}`)
    return data.result.map(({ metric, value }) => ({ labels: metric, value: Number(value[1]) }))
  }

  private async call<T>(path: string, form: Record<string, string>): Promise<T> {
    const url = `${this.baseUrl}/${path}`
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => {
      const cause = (error as { cause?: { message?: string } }).cause?.message
      throw new SourceError(`POST ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`)
    })
    const body = (await response.json().catch(() => ({}))) as PrometheusBody<T>
    if (!response.ok || body.status !== 'success' || body.data === undefined) {
      throw new SourceError(`POST ${url} (${form.query}): ${body.error ?? `answered ${response.status}`}`)
    }
    return body.data
  }
}

/**
 * The aggregator keeps one exemplar per bucket per export, so a long window holds thousands; the
 * slowest are the ones worth a trace, and a chart stays readable with this many dots per feature.
 */
export const EXEMPLARS_PER_FEATURE = 50

/** A filter over exemplars sorted slowest first: keeps the first `n` of each feature. */
export function slowestPerFeature(n: number): (e: Exemplar) => boolean {
  const seen = new Map<string, number>()
  return (e) => {
    const count = (seen.get(e.feature) ?? 0) + 1
    seen.set(e.feature, count)
    return count <= n
  }
}
