/**
 * "The export feature is slow": from a complaint to a trace. The slowest recent calls of a feature,
 * from Prometheus's latency exemplars (tenant, plan, duration, trace id), then the span tree of the
 * slowest one that Jaeger holds (tail sampling keeps slow traces, but a trace can still be missing:
 * not flushed yet, or dropped).
 */
import { PROMETHEUS_NAMES } from '@feature-analytics/schema'
import { latencyExemplars, type SlowCall } from './exemplars.ts'
import { table } from './format.ts'
import { findTrace, formatSpanTree, type Trace } from './jaeger.ts'
import { SourceError } from './source.ts'

export interface TraceReportOptions {
  prometheusUrl: string
  jaegerUrl: string
  feature: string
  /** Only calls on this plan; default all. */
  plan?: string
  tenant?: string
  /** How far back, in milliseconds; default one hour. */
  sinceMs?: number
  /** How many of the slowest calls to list; default 10. */
  limit?: number
}

export interface TraceReport {
  options: TraceReportOptions
  /** The slowest calls, slowest first (at most `limit`). */
  calls: SlowCall[]
  /** The trace of the slowest listed call Jaeger has; undefined when it has none of them. */
  trace: Trace | undefined
  /** Trace ids of slower calls that Jaeger does not have. */
  missing: string[]
}

/** Throws SourceError naming Prometheus or Jaeger when either cannot be reached. */
export async function traceReport(options: TraceReportOptions): Promise<TraceReport> {
  const all = await latencyExemplars(options.prometheusUrl, PROMETHEUS_NAMES.latency, {
    feature: options.feature,
    plan: options.plan,
    tenant: options.tenant,
    sinceMs: options.sinceMs,
  }).catch((error: unknown) => {
    throw new SourceError(`Prometheus at ${options.prometheusUrl}: ${(error as Error).message}`)
  })
  const calls = all.slice(0, options.limit ?? 10)
  const missing: string[] = []
  for (const call of calls) {
    const trace = await findTrace(options.jaegerUrl, call.traceId).catch((error: unknown) => {
      throw new SourceError(`Jaeger at ${options.jaegerUrl}: ${(error as Error).message}`)
    })
    if (trace) return { options, calls, trace, missing }
    missing.push(call.traceId)
  }
  return { options, calls, trace: undefined, missing }
}

export function formatTraceReport({ options, calls, trace, missing }: TraceReport): string {
  const window = `${Math.round((options.sinceMs ?? 3_600_000) / 60_000)} min`
  const who = `${options.feature}${options.plan === undefined ? '' : ` on ${options.plan}`}${options.tenant === undefined ? '' : ` for tenant ${options.tenant}`}`
  if (calls.length === 0) {
    return [
      `No exemplars for ${who} in the last ${window} at ${options.prometheusUrl}.`,
      'Exemplars come from sampled spans: check the feature was called, OTEL_TRACES_SAMPLER_ARG is not 0,',
      'and Prometheus runs with --enable-feature=exemplar-storage. Try a longer --since.',
    ].join('\n')
  }
  const rows = calls.map((c) => [
    `${c.durationMs.toFixed(1)} ms`,
    c.tenant ?? '?',
    c.plan,
    new Date(c.timeMs).toISOString(),
    c.traceId,
  ])
  const lines = [
    `Slowest calls of ${who} in the last ${window} (from latency exemplars in ${options.prometheusUrl})`,
    table(['duration', 'tenant', 'plan', 'at', 'trace id'], rows),
    '',
  ]
  if (missing.length > 0) lines.push(`Not in Jaeger (not flushed yet, or not kept): ${missing.join(', ')}`)
  if (trace === undefined) lines.push(`None of these traces is in Jaeger at ${options.jaegerUrl}.`)
  else {
    const call = calls.find((c) => c.traceId === trace.traceId)
    lines.push(
      `Slowest trace in Jaeger${call ? ` (${call.durationMs.toFixed(1)} ms, tenant ${call.tenant ?? '?'}, ${call.plan})` : ''}: ${options.jaegerUrl.replace(/\/$/, '')}/trace/${trace.traceId}`,
      formatSpanTree(trace),
    )
  }
  return lines.join('\n')
}
