/**
 * The span tree behind an exemplar, from Jaeger's query HTTP API (`/api/traces/{id}`). A Jaeger
 * built from its Go module ships without its web UI, and the point is one view: the console draws
 * the tree itself.
 */
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

export class TraceNotFound extends Error {
  override name = 'TraceNotFound'
}

export class JaegerError extends Error {
  override name = 'JaegerError'
}

interface JaegerSpan {
  traceID: string
  spanID: string
  operationName: string
  references?: { refType: string; traceID: string; spanID: string }[]
  startTime: number
  duration: number
  tags?: { key: string; value: unknown }[]
  processID: string
}

interface JaegerTrace {
  traceID: string
  spans: JaegerSpan[]
  processes: Record<string, { serviceName: string }>
}

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

export async function fetchTrace(jaegerUrl: string, traceId: string): Promise<TraceResponse> {
  const url = `${jaegerUrl}/api/traces/${traceId}`
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => {
    const cause = (error as { cause?: { message?: string } }).cause?.message
    throw new JaegerError(`GET ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`)
  })
  if (response.status === 404) throw new TraceNotFound(`Jaeger has no trace ${traceId}`)
  if (!response.ok) throw new JaegerError(`GET ${url} answered ${response.status}`)
  const body = (await response.json()) as { data?: JaegerTrace[] }
  const trace = body.data?.[0]
  if (!trace || trace.spans.length === 0) throw new TraceNotFound(`Jaeger has no trace ${traceId}`)
  return { traceId: trace.traceID, spans: spanTree(trace) }
}

/** Depth-first, children in start order, each with its depth; orphans (parent not kept) are roots. */
export function spanTree(trace: JaegerTrace): SpanRow[] {
  const ids = new Set(trace.spans.map((s) => s.spanID))
  const parentOf = (s: JaegerSpan) =>
    s.references?.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID))?.spanID
  const children = new Map<string | undefined, JaegerSpan[]>()
  for (const span of trace.spans) {
    const parent = parentOf(span)
    children.set(parent, [...(children.get(parent) ?? []), span])
  }
  const start = Math.min(...trace.spans.map((s) => s.startTime))
  const rows: SpanRow[] = []
  const visit = (parent: string | undefined, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime)) {
      const attributes: Record<string, string> = {}
      for (const tag of span.tags ?? []) {
        if ((SHOWN_ATTRIBUTES as readonly string[]).includes(tag.key)) attributes[tag.key] = String(tag.value)
      }
      rows.push({
        spanId: span.spanID,
        parentSpanId: parent,
        depth,
        service: trace.processes[span.processID]?.serviceName ?? '',
        operation: span.operationName,
        offsetMs: (span.startTime - start) / 1000,
        durationMs: span.duration / 1000,
        attributes,
      })
      visit(span.spanID, depth + 1)
    }
  }
  visit(undefined, 0)
  return rows
}
