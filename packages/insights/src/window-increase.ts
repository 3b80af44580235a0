/**
 * Windowed counts for a store whose PromQL has no `anchored` range selectors and whose series get
 * no zero sample at their start: Thanos query (v0.42 parses neither `anchored` nor `smoothed`, and
 * Thanos receive has no created-timestamp zero ingestion). The store hands over the raw samples of
 * each counter over the window (plus a lookback for the baseline), and the increase is computed
 * here with the semantics the Prometheus path gets from `increase(...[w] anchored)` over
 * zero-started series: the sample at or before the window's start is the baseline, a series with
 * no such sample started inside the window and counts from zero, a reset counts the new life from
 * zero, and nothing is extrapolated. Then the expression is evaluated over those increases exactly
 * as over an app's own /metrics page (evaluate.ts), so both stores answer one catalog.
 */
import type { Labels, Sample } from './exposition.ts'
import { type Expr, isCumulative, metricName, selectorsOf, selectorToPromQL } from './expr.ts'

/** Prometheus's default lookback: a series with no sample in this long before the window's start was not alive then. */
export const LOOKBACK_SECONDS = 300

/** [unix seconds, value] pairs, oldest first, as the HTTP API's matrix gives them. */
export type Points = readonly (readonly [number, number])[]

/** What one series counted in (startSeconds, ...]: its points from before the start through the window's end. */
export function windowIncrease(points: Points, startSeconds: number): number {
  let previous: number | undefined
  let total = 0
  for (const [time, value] of points) {
    if (time <= startSeconds) {
      previous = value
      continue
    }
    if (previous === undefined) total += value
    else total += value >= previous ? value - previous : value
    previous = value
  }
  return total
}

/** One series of a range query's matrix. */
export interface RangeSeries {
  labels: Labels
  points: Points
}

/**
 * The samples to evaluate `expr` over for a window of `seconds` ending at `endSeconds`: each
 * cumulative selector's series as their increase in the window, each gauge as its value at the end.
 * `range(promql)` answers an instant query whose result is a matrix (`selector[Ns]`), `instant`
 * a vector.
 */
export async function windowSamples(
  expr: Expr,
  seconds: number,
  endSeconds: number,
  range: (promql: string) => Promise<RangeSeries[]>,
  instant: (promql: string) => Promise<{ labels: Labels; value: number }[]>,
): Promise<Sample[]> {
  const samples: Sample[] = []
  const seen = new Set<string>()
  for (const selector of selectorsOf(expr)) {
    const promql = selectorToPromQL(selector)
    if (seen.has(promql)) continue
    seen.add(promql)
    const name = metricName(selector)
    if (!isCumulative(selector)) {
      for (const { labels, value } of await instant(promql)) samples.push({ name, labels, value })
      continue
    }
    for (const { labels, points } of await range(`${promql}[${seconds + LOOKBACK_SECONDS}s]`))
      samples.push({ name, labels, value: windowIncrease(points, endSeconds - seconds) })
  }
  return samples
}
