/**
 * The few PromQL shapes the catalog needs, as data. One definition yields the PromQL string sent
 * to Prometheus and the evaluation over an app's own /metrics text, so the two modes cannot drift.
 */
import { PROMETHEUS_NAMES, promLabel } from '@feature-analytics/schema'

export type MetricKey = keyof typeof PROMETHEUS_NAMES

/** A metric selector; `match` is keyed by OpenTelemetry attribute key (e.g. `feature.name`). */
export interface Selector {
  metric: MetricKey
  /** Histogram series suffix; counters use ''. */
  series?: '' | '_bucket' | '_count' | '_sum'
  match?: Readonly<Record<string, string>>
}

export type Expr =
  /** sum by (by) (selector) */
  | { kind: 'sum'; by: readonly string[]; of: Selector }
  /**
   * max by (by) (selector): for gauges every replica reports alike (distinct users read from the
   * shared store), where a sum would count each replica's copy.
   */
  | { kind: 'max'; by: readonly string[]; of: Selector }
  /** count by (by) (of > 0) */
  | { kind: 'countPositive'; by: readonly string[]; of: Expr }
  /** left / scalar(right) */
  | { kind: 'divideByScalar'; left: Expr; right: Expr }
  /** histogram_quantile(q, of), where `of` keeps the `le` label */
  | { kind: 'histogramQuantile'; q: number; of: Expr }

export const LE = 'le'

export function metricName(selector: Selector): string {
  return PROMETHEUS_NAMES[selector.metric] + (selector.series ?? '')
}

/** Every selector an expression reads (a window's increases are taken per selector). */
export function selectorsOf(expr: Expr): Selector[] {
  switch (expr.kind) {
    case 'sum':
    case 'max':
      return [expr.of]
    case 'countPositive':
    case 'histogramQuantile':
      return selectorsOf(expr.of)
    case 'divideByScalar':
      return [...selectorsOf(expr.left), ...selectorsOf(expr.right)]
  }
}

/**
 * With `windowSeconds`, every counter (and histogram series) is read as increase() over that many
 * seconds: what happened in the window, with counter resets handled by Prometheus. `anchored`
 * (Prometheus's promql-extended-range-selectors) takes the sample at or before the window's start
 * as the baseline and does not extrapolate; with created-timestamp-zero-ingestion every series and
 * every restart begins with a zero sample, so the increase is the exact count. Gauges stay instant
 * values.
 */
export function toPromQL(expr: Expr, windowSeconds?: number): string {
  const inner = (e: Expr) => toPromQL(e, windowSeconds)
  switch (expr.kind) {
    case 'sum':
      return `sum${grouping(expr.by)}(${windowed(expr.of, windowSeconds)})`
    case 'max':
      return `max${grouping(expr.by)}(${windowed(expr.of, windowSeconds)})`
    case 'countPositive':
      return `count${grouping(expr.by)}(${inner(expr.of)} > 0)`
    case 'divideByScalar':
      return `${inner(expr.left)} / scalar(${inner(expr.right)})`
    case 'histogramQuantile':
      return `histogram_quantile(${expr.q}, ${inner(expr.of)})`
  }
}

export const isCumulative = (selector: Selector): boolean =>
  (selector.series ?? '') !== '' || PROMETHEUS_NAMES[selector.metric].endsWith('_total')

function windowed(selector: Selector, windowSeconds: number | undefined): string {
  const text = selectorToPromQL(selector)
  return windowSeconds === undefined || !isCumulative(selector)
    ? text
    : `increase(${text}[${windowSeconds}s] anchored)`
}

function grouping(by: readonly string[]): string {
  return by.length === 0 ? '' : ` by (${by.map(promLabel).join(', ')}) `
}

export function selectorToPromQL(selector: Selector): string {
  const matchers = Object.entries(selector.match ?? {}).map(
    ([key, value]) => `${promLabel(key)}=${JSON.stringify(value)}`,
  )
  return metricName(selector) + (matchers.length > 0 ? `{${matchers.join(', ')}}` : '')
}
