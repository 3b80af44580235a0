/** Builds every panel; one failing source marks its panels, never the whole response. */
import { collectReport } from '@feature-analytics/insights'
import type { Panel, PanelsResponse } from '../panels.ts'
import { jaegerAnswers } from './jaeger.ts'
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
  // The report itself (what `npm run report` prints and writes as JSON), so the numbers agree.
  const report = settle(async () => collectReport(await source.totals(windowSeconds)))
  const [totals, latency, exemplars, jaegerProblem] = await Promise.all([
    report,
    settle(() => source.latency(windowSeconds)),
    settle(() => source.exemplars(windowSeconds)),
    jaegerUrl ? jaegerAnswers(jaegerUrl) : undefined,
  ])
  const pick = <
    K extends 'usage' | 'funnel' | 'upgradeDrivers' | 'retentionDrivers' | 'method' | 'activeUsers',
  >(
    key: K,
  ) => (totals.state === 'ok' ? ({ state: 'ok', data: totals.data[key] } as const) : totals)
  return {
    generatedAt: Date.now(),
    source: source.info(windowSeconds),
    usage: pick('usage'),
    funnel: pick('funnel'),
    upgradeDrivers: pick('upgradeDrivers'),
    retentionDrivers: pick('retentionDrivers'),
    method: pick('method'),
    activeUsers: pick('activeUsers'),
    latency:
      latency.state === 'ok'
        ? {
            state: 'ok',
            data: { ...latency.data, exemplars: exemplars.state === 'ok' ? exemplars.data : exemplars },
          }
        : latency,
    traces: !jaegerUrl
      ? {
          state: 'unavailable',
          message:
            'No trace backend configured: start the stack (npm run stack:up runs Jaeger and points the console at it) or set JAEGER_URL.',
        }
      : jaegerProblem
        ? { state: 'error', message: jaegerProblem }
        : { state: 'ok', data: { jaeger: jaegerUrl } },
  }
}
