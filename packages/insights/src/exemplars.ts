/**
 * The slowest calls behind a latency histogram, from the exemplars FeatureAggregator attaches to
 * product.feature.latency (trace id, span id, the call's duration and its tenant) and that
 * Prometheus keeps in its exemplar storage (`/api/v1/query_exemplars`). The embedded source (an
 * app's /metrics page in Prometheus text format) carries no exemplars, so only the stack has them.
 */
import { ATTR, promLabel } from '@feature-analytics/schema'
import { fetchOrThrow, SourceError } from './source.ts'

export interface SlowCall {
  feature: string
  plan: string
  /** From the exemplar's filtered attributes; undefined when the exemplar did not carry it. */
  tenant: string | undefined
  durationMs: number
  traceId: string
  spanId: string
  /** When the call was recorded, in Unix milliseconds. */
  timeMs: number
  /** The upper bound of the histogram bucket the exemplar was attached to (`le`). */
  bucketLe: number
}

export interface ExemplarQuery {
  /** Only this feature (feature.name); default all. */
  feature?: string
  /** Only this plan (user.plan); default all. */
  plan?: string
  /** Only calls of this tenant; default all. */
  tenant?: string
  /** How far back, in milliseconds; default one hour. */
  sinceMs?: number
  /** End of the window, Unix milliseconds; default now. */
  untilMs?: number
}

interface ExemplarsResponse {
  status?: string
  error?: string
  data?: {
    seriesLabels: Record<string, string>
    exemplars: { labels: Record<string, string>; value: string; timestamp: number }[]
  }[]
}

const FEATURE = promLabel(ATTR.featureName)
const PLAN = promLabel(ATTR.userPlan)
/** The exemplar's tenant label: Prometheus keeps the OTLP attribute name, or translates it. */
const TENANT_LABELS = [ATTR.tenantId, promLabel(ATTR.tenantId)]

/** The PromQL selector whose exemplars are asked for: the latency buckets, narrowed by the query. */
export function latencyBucketSelector(metricName: string, query: Pick<ExemplarQuery, 'feature' | 'plan'>) {
  const matchers = [
    query.feature === undefined ? undefined : `${FEATURE}=${JSON.stringify(query.feature)}`,
    query.plan === undefined ? undefined : `${PLAN}=${JSON.stringify(query.plan)}`,
  ].filter((m) => m !== undefined)
  return `${metricName}_bucket${matchers.length > 0 ? `{${matchers.join(', ')}}` : ''}`
}

/**
 * Every latency exemplar Prometheus holds for the query's window, slowest first. Throws SourceError
 * when Prometheus cannot be reached or refuses the query (for example, exemplar storage off).
 */
export async function latencyExemplars(
  prometheusUrl: string,
  metricName: string,
  query: ExemplarQuery = {},
): Promise<SlowCall[]> {
  const until = query.untilMs ?? Date.now()
  const since = until - (query.sinceMs ?? 3_600_000)
  const promql = latencyBucketSelector(metricName, query)
  const endpoint = new URL(
    'api/v1/query_exemplars',
    prometheusUrl.endsWith('/') ? prometheusUrl : `${prometheusUrl}/`,
  )
  const response = await fetchOrThrow(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: promql, start: String(since / 1000), end: String(until / 1000) }),
  })
  const body = (await response.json()) as ExemplarsResponse
  if (body.status !== 'success')
    throw new SourceError(`exemplars of ${promql}: ${body.error ?? 'query failed'}`)
  const calls: SlowCall[] = []
  for (const { seriesLabels, exemplars } of body.data ?? []) {
    for (const e of exemplars) {
      const tenant = TENANT_LABELS.map((l) => e.labels[l]).find((v) => v !== undefined)
      if (query.tenant !== undefined && tenant !== query.tenant) continue
      calls.push({
        feature: seriesLabels[FEATURE] ?? '',
        plan: seriesLabels[PLAN] ?? '',
        tenant,
        durationMs: Number(e.value),
        traceId: e.labels.trace_id ?? '',
        spanId: e.labels.span_id ?? '',
        timeMs: Math.round(e.timestamp * 1000),
        bucketLe: Number(seriesLabels.le),
      })
    }
  }
  return calls.sort((a, b) => b.durationMs - a.durationMs || b.timeMs - a.timeMs)
}
