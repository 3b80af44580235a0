/**
 * One interface over the two sources, so the panels are built the same way from either: the
 * embedded history (the API's /metrics) or Prometheus. Totals (usage, funnel) always go through
 * packages/insights' `collectInsights`, the same code as the report.
 */
import type { Source } from '@feature-analytics/insights'
import type { Exemplar, LatencyPanel, Panel, SourceInfo } from '../panels.ts'
import type { MetricsHistory } from './history.ts'
import { latencyOverTime, quantilesByFeature } from './latency.ts'
import type { PrometheusClient } from './prometheus.ts'

export interface DataSource {
  info(windowSeconds: number): SourceInfo
  /** A source for the report, reading one consistent instant; throws when unreachable. */
  totals(windowSeconds: number): Promise<Source>
  latency(windowSeconds: number): Promise<Omit<LatencyPanel, 'exemplars'>>
  exemplars(windowSeconds: number): Promise<Panel<Exemplar[]>>
}

export const START_THE_STACK =
  'npm run stack:up (Prometheus keeps the exemplars, Jaeger the traces; the console then reads them)'

export function embeddedSource(history: MetricsHistory): DataSource {
  const rateWindowMs = Math.max(4 * history.pollMs, 30_000)
  const unreachable = () =>
    new Error(
      `cannot read ${history.urls.join(', ')}: ${history.lastError ?? 'no poll has finished yet'} ` +
        '(is the API running? npm run demo starts it)',
    )
  return {
    info: () => {
      const points = history.points
      const since = points[0]?.t
      return {
        kind: 'embedded',
        description: `the API's own /metrics (${history.urls.join(', ')}), polled every ${history.pollMs / 1000} s`,
        windowSeconds: since === undefined ? 0 : Math.round((Date.now() - since) / 1000),
        totalsScope: 'since the API started (its /metrics holds totals, so no window)',
        history: { points: points.length, maxPoints: history.maxPoints, pollMs: history.pollMs, since },
      }
    },
    totals: async () => {
      const source = history.latestSource()
      if (!source || history.lastError) throw unreachable()
      return source
    },
    latency: async () => {
      const points = history.points
      const last = points.at(-1)
      if (!last || history.lastError) throw unreachable()
      return {
        rateWindowSeconds: rateWindowMs / 1000,
        series: latencyOverTime(points, rateWindowMs),
        summaryScope: 'all calls since the API started',
        summary: quantilesByFeature(last.buckets),
      }
    },
    exemplars: async () => ({
      state: 'unavailable',
      message: `The embedded source has no exemplars or traces. Start the stack: ${START_THE_STACK}.`,
    }),
  }
}

export function prometheusDataSource(
  prometheus: PrometheusClient,
  jaegerUrl: string | undefined,
): DataSource {
  return {
    info: (windowSeconds) => ({
      kind: 'prometheus',
      description: `Prometheus at ${prometheus.baseUrl}`,
      windowSeconds,
      totalsScope: `over the last ${windowSeconds} s (increase() over the window, as npm run report -- --window)`,
    }),
    totals: async (windowSeconds) => prometheus.totals(windowSeconds),
    latency: (windowSeconds) => prometheus.latency(windowSeconds),
    exemplars: async (windowSeconds) => {
      const exemplars = await prometheus.exemplars(windowSeconds)
      if (exemplars.length === 0 && !jaegerUrl) {
        return { state: 'unavailable', message: `No exemplars and no Jaeger: ${START_THE_STACK}.` }
      }
      return { state: 'ok', data: exemplars }
    },
  }
}
