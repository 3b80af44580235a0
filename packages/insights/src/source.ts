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
  return {
    description: `Prometheus at ${baseUrl}, ${describeWindow(window)}`,
    window,
    query: (expr) => instantQuery(baseUrl, toPromQL(expr, window?.seconds), window?.end),
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

/** One instant PromQL query against Prometheus's HTTP API; the answer must be a vector. */
export async function instantQuery(baseUrl: string, promql: string, time?: number): Promise<Series[]> {
  const endpoint = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`)
  const body = new URLSearchParams({ query: promql })
  if (time !== undefined) body.set('time', String(time))
  const response = await fetchOrThrow(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  }).catch((error: unknown) => {
    throw new SourceError(`${promql}: ${(error as Error).message}`)
  })
  return parseVector(promql, (await response.json()) as PrometheusResponse)
}

interface PrometheusResponse {
  status?: string
  error?: string
  data?: { resultType?: string; result?: { metric: Record<string, string>; value: [number, string] }[] }
}

function parseVector(promql: string, body: PrometheusResponse): Series[] {
  if (body.status !== 'success') throw new SourceError(`${promql}: ${body.error ?? 'query failed'}`)
  const { resultType, result = [] } = body.data ?? {}
  if (resultType !== 'vector') throw new SourceError(`${promql}: expected a vector, got ${resultType}`)
  return result.map(({ metric, value }) => {
    const { __name__: _, ...labels } = metric
    return { labels, value: Number(value[1]) }
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
