/**
 * Where query results come from: Prometheus's HTTP API (the stack) or one snapshot of an app's
 * Prometheus-format /metrics page (embedded mode). Both answer the same expressions with series
 * labelled by Prometheus label names (`feature_name`).
 */
import { PROMETHEUS_NAMES } from '@feature-analytics/schema'
import { evaluate, type Series } from './evaluate.ts'
import { type ExemplarQuery, latencyExemplars, type SlowCall } from './exemplars.ts'
import { parseExposition } from './exposition.ts'
import { type Expr, toPromQL } from './expr.ts'
import { describeWindow, type Window } from './window.ts'
import { type RangeSeries, windowSamples } from './window-increase.ts'

export interface Source {
  readonly description: string
  /** The window every query covers; undefined: totals since each series started. */
  readonly window?: Window | undefined
  query(expr: Expr): Promise<Series[]>
  /** The slowest calls with their trace ids, from latency exemplars: Prometheus has them, /metrics text does not. */
  latencyExemplars?(query?: ExemplarQuery): Promise<SlowCall[]>
}

export class SourceError extends Error {
  override name = 'SourceError'
}

/** Several pages (one per app instance) read as one, as Prometheus would after scraping them all. */
export function expositionSource(text: string | readonly string[], description = 'metrics text'): Source {
  const samples = (typeof text === 'string' ? [text] : text).flatMap((page) => parseExposition(page))
  return { description, query: async (expr) => evaluate(expr, samples) }
}

/** Fetches each page once, so every query of a report sees the same instant. */
export async function metricsEndpointSource(url: string | readonly string[]): Promise<Source> {
  const urls = typeof url === 'string' ? [url] : url
  const pages = await Promise.all(
    urls.map(async (u) => (await fetchOrThrow(u, { headers: { accept: 'text/plain' } })).text()),
  )
  return expositionSource(pages, urls.join(', '))
}

/**
 * Prometheus's HTTP API. With a window, counters are read as increase() over it, evaluated at the
 * window's end; without one, as totals since each series started.
 */
export function prometheusSource(baseUrl: string, window?: Window): Source {
  // Set once the store refuses `anchored` (Thanos query): windows are then computed here.
  let windowsHere = false
  const windowed = async (expr: Expr, { seconds, end }: Window): Promise<Series[]> => {
    const atMs = end === undefined ? undefined : end * 1000
    if (!windowsHere) {
      try {
        return await instantQuery(baseUrl, toPromQL(expr, seconds), atMs)
      } catch (error) {
        if (!(error instanceof SourceError && ANCHORED_REFUSED.test(error.message))) throw error
        windowsHere = true
      }
    }
    const endMs = atMs ?? Date.now()
    const samples = await windowSamples(
      expr,
      seconds,
      endMs / 1000,
      (promql) => rangeSelectorQuery(baseUrl, promql, endMs),
      (promql) => instantQuery(baseUrl, promql, endMs),
    )
    return evaluate(expr, samples)
  }
  return {
    description: `Prometheus at ${baseUrl}, ${describeWindow(window)}`,
    window,
    query: (expr) => (window === undefined ? instantQuery(baseUrl, toPromQL(expr)) : windowed(expr, window)),
    // The slowest calls of the same window (Prometheus's exemplar storage), unless a query says otherwise.
    latencyExemplars: (query) =>
      latencyExemplars(baseUrl, PROMETHEUS_NAMES.latency, { ...exemplarWindow(window), ...query }),
  }
}

/** The exemplar query's range for a report window: the window itself, ending at its end (or now). */
function exemplarWindow(window: Window | undefined): ExemplarQuery {
  if (window === undefined) return {}
  return {
    sinceMs: window.seconds * 1000,
    ...(window.end === undefined ? {} : { untilMs: window.end * 1000 }),
  }
}

/**
 * What a store without Prometheus's promql-extended-range-selectors answers to `anchored`
 * (Prometheus: "anchored modifier is experimental and not enabled"; Thanos query v0.42 says the same).
 */
const ANCHORED_REFUSED = /anchored modifier/

/**
 * One instant PromQL query against Prometheus's HTTP API; the answer must be a vector. `atMs`
 * evaluates it at that moment instead of now.
 */
export async function instantQuery(baseUrl: string, promql: string, atMs?: number): Promise<Series[]> {
  return parseVector(promql, await postQuery(baseUrl, promql, atMs))
}

/** A range selector (`metric{...}[300s]`) as an instant query at `atMs`: every raw sample in it. */
async function rangeSelectorQuery(baseUrl: string, promql: string, atMs: number): Promise<RangeSeries[]> {
  const body = await postQuery(baseUrl, promql, atMs)
  if (body.status !== 'success') throw new SourceError(`${promql}: ${body.error ?? 'query failed'}`)
  const { resultType, result = [] } = body.data ?? {}
  if (resultType !== 'matrix') throw new SourceError(`${promql}: expected a matrix, got ${resultType}`)
  return result.map(({ metric, values = [] }) => {
    const { __name__: _, ...labels } = metric
    return { labels, points: values.map(([time, value]) => [time, Number(value)] as const) }
  })
}

async function postQuery(
  baseUrl: string,
  promql: string,
  atMs: number | undefined,
): Promise<PrometheusResponse> {
  const endpoint = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`)
  const response = await fetchOrThrow(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      query: promql,
      ...(atMs === undefined ? {} : { time: String(atMs / 1000) }),
    }),
  }).catch((error: unknown) => {
    throw new SourceError(`${promql}: ${(error as Error).message}`)
  })
  return (await response.json()) as PrometheusResponse
}

interface PrometheusResponse {
  status?: string
  error?: string
  data?: {
    resultType?: string
    result?: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[]
  }
}

function parseVector(promql: string, body: PrometheusResponse): Series[] {
  if (body.status !== 'success') throw new SourceError(`${promql}: ${body.error ?? 'query failed'}`)
  const { resultType, result = [] } = body.data ?? {}
  if (resultType !== 'vector') throw new SourceError(`${promql}: expected a vector, got ${resultType}`)
  return result.map(({ metric, value }) => {
    const { __name__: _, ...labels } = metric
    return { labels, value: Number(value?.[1]) }
  })
}

export async function fetchOrThrow(url: string | URL, init: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }).catch(
    (error: unknown) => {
      const cause = (error as { cause?: { message?: string } }).cause?.message
      throw new SourceError(
        `${init.method ?? 'GET'} ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
      )
    },
  )
  if (!response.ok) {
    const detail = (await response.text()).slice(0, 300)
    throw new SourceError(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${detail}`)
  }
  return response
}
