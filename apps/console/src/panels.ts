/**
 * What the console's server sends its page: one JSON document with every panel. Shared by both
 * sides (the page imports types only). A panel whose source is missing says what to start instead
 * of failing the others.
 */
import type { ActiveUsersRow, DriverRow, FunnelRow, UsageRow } from '@feature-analytics/insights'

export type Panel<T> =
  | { state: 'ok'; data: T }
  /** The source this panel needs is not configured: `message` says what to start. */
  | { state: 'unavailable'; message: string }
  /** The source is configured but did not answer. */
  | { state: 'error'; message: string }

export const QUANTILES = [
  ['p50', 0.5],
  ['p95', 0.95],
  ['p99', 0.99],
] as const
export type QuantileName = (typeof QUANTILES)[number][0]

/** One time step: latency quantiles in ms over the rate window ending at `t`; null = no calls. */
export type LatencyPoint = { t: number } & Record<QuantileName, number | null>

export interface LatencySeries {
  feature: string
  points: LatencyPoint[]
}

/** Quantiles over the summary scope (since the API started, or over the window). */
export type LatencySummaryRow = { feature: string } & Record<QuantileName, number>

export interface Exemplar {
  feature: string
  /** Milliseconds since the epoch. */
  t: number
  valueMs: number
  traceId: string
  spanId: string | undefined
}

export interface LatencyPanel {
  /** Width of the window each point's quantiles are computed over, in seconds. */
  rateWindowSeconds: number
  series: LatencySeries[]
  summaryScope: string
  summary: LatencySummaryRow[]
  exemplars: Panel<Exemplar[]>
}

export interface SourceInfo {
  kind: 'embedded' | 'prometheus'
  description: string
  /** Seconds the time axis covers (stack: the picked window; embedded: the history kept). */
  windowSeconds: number
  /** The scope of the totals panels (usage, funnel). */
  totalsScope: string
  /** Embedded only: what the bounded history holds. */
  history?: { points: number; maxPoints: number; pollMs: number; since: number | undefined }
}

export interface PanelsResponse {
  generatedAt: number
  source: SourceInfo
  usage: Panel<UsageRow[]>
  funnel: Panel<FunnelRow[]>
  /** The report's rows (`npm run report`), in its order: strongest significant effect first. */
  upgradeDrivers: Panel<DriverRow[]>
  retentionDrivers: Panel<DriverRow[]>
  /** How the report decided (false discovery rate, minimum sample), shown next to the drivers. */
  method: Panel<{
    alpha: number
    minimumSample: { perGroup: number; events: number }
    test: string
    interval: string
  }>
  /** The report's active users (DAU, WAU, MAU) and stickiness rows, most monthly users first. */
  activeUsers: Panel<ActiveUsersRow[]>
  latency: Panel<LatencyPanel>
  traces: Panel<{ jaeger: string }>
}

export interface SpanRow {
  spanId: string
  parentSpanId: string | undefined
  depth: number
  service: string
  operation: string
  /** Milliseconds from the trace's first span. */
  offsetMs: number
  durationMs: number
  attributes: Record<string, string>
}

export interface TraceResponse {
  traceId: string
  spans: SpanRow[]
}

/** Windows the picker offers, in seconds. */
export const WINDOWS = [
  ['5m', 300],
  ['15m', 900],
  ['1h', 3600],
  ['6h', 21_600],
  ['24h', 86_400],
  ['7d', 604_800],
] as const
export const DEFAULT_WINDOW_SECONDS = 900
