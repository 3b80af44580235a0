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

export function toPromQL(expr: Expr): string {
  switch (expr.kind) {
    case 'sum':
      return `sum${grouping(expr.by)}(${selectorToPromQL(expr.of)})`
    case 'countPositive':
      return `count${grouping(expr.by)}(${toPromQL(expr.of)} > 0)`
    case 'divideByScalar':
      return `${toPromQL(expr.left)} / scalar(${toPromQL(expr.right)})`
    case 'histogramQuantile':
      return `histogram_quantile(${expr.q}, ${toPromQL(expr.of)})`
  }
}

function grouping(by: readonly string[]): string {
  return by.length === 0 ? '' : ` by (${by.map(promLabel).join(', ')}) `
}

function selectorToPromQL(selector: Selector): string {
  const matchers = Object.entries(selector.match ?? {}).map(
    ([key, value]) => `${promLabel(key)}=${JSON.stringify(value)}`,
  )
  return metricName(selector) + (matchers.length > 0 ? `{${matchers.join(', ')}}` : '')
}
