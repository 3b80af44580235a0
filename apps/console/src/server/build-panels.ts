/** Builds every panel; one failing source marks its panels, never the whole response. */
import { collectInsights } from '@feature-analytics/insights'
import type { Panel, PanelsResponse } from '../panels.ts'
import type { DataSource } from './sources.ts'

const settle = async <T>(work: () => Promise<T>): Promise<Panel<T>> => {
  try {
    return { state: 'ok', data: await work() }
  } catch (error) {
    return { state: 'error', message: (error as Error).message }
  }
}

export async function buildPanels(
  source: DataSource,
  windowSeconds: number,
  jaegerUrl: string | undefined,
): Promise<PanelsResponse> {
  const insights = settle(async () => collectInsights(await source.totals()))
  const [totals, latency, exemplars] = await Promise.all([
    insights,
    settle(() => source.latency(windowSeconds)),
    settle(() => source.exemplars(windowSeconds)),
  ])
  const pick = <K extends 'usage' | 'funnel'>(key: K) =>
    totals.state === 'ok' ? ({ state: 'ok', data: totals.data[key] } as const) : totals
  return {
    generatedAt: Date.now(),
    source: source.info(windowSeconds),
    usage: pick('usage'),
    funnel: pick('funnel'),
    latency:
      latency.state === 'ok'
        ? {
            state: 'ok',
            data: { ...latency.data, exemplars: exemplars.state === 'ok' ? exemplars.data : exemplars },
          }
        : latency,
    traces: jaegerUrl
      ? { state: 'ok', data: { jaeger: jaegerUrl } }
      : {
          state: 'unavailable',
          message:
            'No trace backend configured: start the stack (npm run stack:up runs Jaeger and points the console at it) or set JAEGER_URL.',
        },
  }
}
