/**
 * One trace from Jaeger's HTTP query API (`/api/traces/{id}`), as a span tree: the other half of
 * an exemplar, so a slow point on a latency chart leads to the work that made it slow.
 */
import { fetchOrThrow, SourceError } from './source.ts'

export type TagValue = string | number | boolean

export interface TraceSpan {
  spanId: string
  name: string
  service: string
  /** Unix microseconds, as Jaeger reports them. */
  startUs: number
  durationMs: number
  tags: Record<string, TagValue>
  children: TraceSpan[]
}

export interface Trace {
  traceId: string
  /** Spans without a parent in the trace, earliest first (normally one: the server span). */
  roots: TraceSpan[]
  spanCount: number
}

export class TraceNotFoundError extends SourceError {
  override name = 'TraceNotFoundError'
}

interface JaegerSpan {
  spanID: string
  operationName: string
  references?: { refType: string; spanID: string }[]
  startTime: number
  duration: number
  tags?: { key: string; value: TagValue }[]
  processID: string
}
interface JaegerResponse {
  data?: { traceID: string; spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }[] | null
  errors?: { code?: number; msg?: string }[] | null
}

/** The trace, or undefined when Jaeger does not have it (not flushed yet, or not kept); SourceError when unreachable. */
export async function findTrace(jaegerUrl: string, traceId: string): Promise<Trace | undefined> {
  try {
    return await fetchTrace(jaegerUrl, traceId)
  } catch (error) {
    if (error instanceof TraceNotFoundError) return undefined
    throw error
  }
}

/** Fetches a trace; TraceNotFoundError when Jaeger does not have it, SourceError when Jaeger is unreachable. */
export async function fetchTrace(jaegerUrl: string, traceId: string): Promise<Trace> {
  const endpoint = new URL(
    `api/traces/${encodeURIComponent(traceId)}`,
    jaegerUrl.endsWith('/') ? jaegerUrl : `${jaegerUrl}/`,
  )
  const response = await fetch(endpoint, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
  if (response?.status === 404)
    throw new TraceNotFoundError(`trace ${traceId} is not in Jaeger at ${jaegerUrl}`)
  // Any other failure gets fetchOrThrow's message (unreachable, or the status with the body).
  const ok = response?.ok ? response : await fetchOrThrow(endpoint, {})
  const body = (await ok.json()) as JaegerResponse
  const data = body.data?.[0]
  if (data === undefined) {
    throw new TraceNotFoundError(
      `trace ${traceId}: ${body.errors?.[0]?.msg ?? 'not in Jaeger'} (${jaegerUrl})`,
    )
  }
  return buildTree(data.traceID, data.spans, data.processes)
}

function buildTree(
  traceId: string,
  spans: readonly JaegerSpan[],
  processes: Record<string, { serviceName: string }>,
): Trace {
  const nodes = new Map<string, TraceSpan>()
  for (const s of spans) {
    nodes.set(s.spanID, {
      spanId: s.spanID,
      name: s.operationName,
      service: processes[s.processID]?.serviceName ?? '',
      startUs: s.startTime,
      durationMs: s.duration / 1000,
      tags: Object.fromEntries((s.tags ?? []).map((t) => [t.key, t.value])),
      children: [],
    })
  }
  const roots: TraceSpan[] = []
  for (const s of spans) {
    const node = nodes.get(s.spanID) as TraceSpan
    const parent = s.references?.find((r) => r.refType === 'CHILD_OF')?.spanID
    const parentNode = parent === undefined ? undefined : nodes.get(parent)
    if (parentNode) parentNode.children.push(node)
    else roots.push(node)
  }
  const byStart = (a: TraceSpan, b: TraceSpan) => a.startUs - b.startUs
  for (const node of nodes.values()) node.children.sort(byStart)
  return { traceId, roots: roots.sort(byStart), spanCount: spans.length }
}

/** Every span of the trace, depth first. */
export function traceSpans(trace: Trace): TraceSpan[] {
  const out: TraceSpan[] = []
  const walk = (span: TraceSpan) => {
    out.push(span)
    span.children.forEach(walk)
  }
  trace.roots.forEach(walk)
  return out
}

/** Span tags a terminal shows: not the SDK's bookkeeping, and never a user id or an e-mail. */
const HIDDEN_TAG = /^(otel\.|internal\.|telemetry\.sdk|span\.kind$|user\.id$|enduser\.)/
const EMAIL = /[^@\s]+@[^@\s]+/

/** The span tree as indented text: name, duration, service and the span's own tags. */
export function formatSpanTree(trace: Trace): string {
  const lines = [`trace ${trace.traceId} (${trace.spanCount} spans)`]
  const walk = (span: TraceSpan, depth: number) => {
    const tags = Object.entries(span.tags)
      .filter(([key, value]) => !HIDDEN_TAG.test(key) && !(typeof value === 'string' && EMAIL.test(value)))
      .map(([key, value]) => `${key}=${value}`)
    lines.push(
      `${'  '.repeat(depth + 1)}${span.name}  ${span.durationMs.toFixed(1)} ms  [${span.service}]${tags.length > 0 ? `  ${tags.join(' ')}` : ''}`,
    )
    for (const child of span.children) walk(child, depth + 1)
  }
  for (const root of trace.roots) walk(root, 0)
  return lines.join('\n')
}
