/**
 * The span tree behind an exemplar, from Jaeger's query HTTP API (`/api/traces/{id}`). A Jaeger
 * built from its Go module ships without its web UI, and the point is one view: the console draws
 * the tree itself.
 */
import {
  fetchTrace,
  type Trace,
  TraceNotFoundError,
  type TraceSpan,
  traceSpans,
} from '@feature-analytics/insights'
import type { SpanRow, TraceResponse } from '../panels.ts'

export const TRACE_ID = /^[0-9a-f]{16,32}$/i

/** Span attributes the console shows; everything else (user.id included) stays in Jaeger. */
export const SHOWN_ATTRIBUTES = [
  'feature.name',
  'tenant.id',
  'user.plan',
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'error',
] as const

/** Whether Jaeger's query API answers (its service list), so the trace panel can say so up front. */
export async function jaegerAnswers(jaegerUrl: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${jaegerUrl}/api/services`, { signal: AbortSignal.timeout(2000) })
    await response.body?.cancel()
    return response.ok ? undefined : `Jaeger at ${jaegerUrl} answered ${response.status}`
  } catch (error) {
    return `Jaeger at ${jaegerUrl} does not answer (${(error as Error).message}): start it with npm run stack:up`
  }
}

/**
 * The trace as the console's rows, fetched and assembled by packages/insights (`fetchTrace`):
 * TraceNotFoundError when Jaeger does not hold it, SourceError when Jaeger cannot be reached.
 */
export async function fetchTraceRows(jaegerUrl: string, traceId: string): Promise<TraceResponse> {
  const trace = await fetchTrace(jaegerUrl, traceId)
  if (trace.spanCount === 0) throw new TraceNotFoundError(`Jaeger has no trace ${traceId}`)
  return { traceId: trace.traceId, spans: spanRows(trace) }
}

/** Depth-first, children in start order, each with its depth; orphans (parent not kept) are roots. */
export function spanRows(trace: Trace): SpanRow[] {
  const start = Math.min(...traceSpans(trace).map((s) => s.startUs))
  const rows: SpanRow[] = []
  const visit = (span: TraceSpan, parentSpanId: string | undefined, depth: number) => {
    const attributes: Record<string, string> = {}
    for (const [key, value] of Object.entries(span.tags)) {
      if ((SHOWN_ATTRIBUTES as readonly string[]).includes(key)) attributes[key] = String(value)
    }
    rows.push({
      spanId: span.spanId,
      parentSpanId,
      depth,
      service: span.service,
      operation: span.name,
      offsetMs: (span.startUs - start) / 1000,
      durationMs: span.durationMs,
      attributes,
    })
    for (const child of span.children) visit(child, span.spanId, depth + 1)
  }
  for (const root of trace.roots) visit(root, undefined, 0)
  return rows
}
