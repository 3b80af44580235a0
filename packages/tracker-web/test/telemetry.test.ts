import { ATTR, METRICS } from '@feature-analytics/schema'
import { afterEach, beforeEach, expect, it } from 'vitest'
import {
  createFeatureSession,
  startWebTelemetry,
  TrackerWebError,
  trackFeatureClick,
  type WebTelemetry,
} from '../src/index.ts'
import { attr, pointsOf, startCollector, type TestCollector } from './collector.ts'

let collector: TestCollector
let telemetry: WebTelemetry | undefined
beforeEach(async () => {
  collector = await startCollector()
})
afterEach(async () => {
  await telemetry?.shutdown()
  telemetry = undefined
  await collector.close()
})

it('records clicks and one time-spent sample per session, exported on flush', async () => {
  trackFeatureClick('search', 'before-start') // no provider yet: a harmless no-op
  telemetry = startWebTelemetry({ endpoint: `${collector.url}/v1/metrics`, exportIntervalMillis: 600_000 })
  for (let i = 0; i < 3; i++) trackFeatureClick('search', 'search-go')
  const session = createFeatureSession('search')
  expect(session.end()).toBeGreaterThanOrEqual(0)
  expect(session.end()).toBeUndefined()
  await telemetry.flush()

  const clicks = pointsOf(collector.received, METRICS.click)
  expect(clicks.map((p) => [attr(p, ATTR.uiElement), Number(p.asInt)])).toEqual([['search-go', 3]])
  const samples = pointsOf(collector.received, METRICS.timeSpent)
  expect(samples.map((p) => [attr(p, ATTR.featureName), Number(p.count)])).toEqual([['search', 1]])
})

it('ends open sessions on shutdown so their time is exported', async () => {
  telemetry = startWebTelemetry({ endpoint: `${collector.url}/v1/metrics`, exportIntervalMillis: 600_000 })
  createFeatureSession('alert_create')
  await telemetry.shutdown()
  telemetry = undefined
  expect(pointsOf(collector.received, METRICS.timeSpent).map((p) => Number(p.count))).toEqual([1])
})

it('throws TrackerWebError for programming mistakes', () => {
  expect(() => trackFeatureClick('', 'x')).toThrow(TrackerWebError)
  expect(() => trackFeatureClick('search', undefined as unknown as string)).toThrow(/elementId/)
  expect(() => createFeatureSession('')).toThrow(TrackerWebError)
  telemetry = startWebTelemetry({ endpoint: `${collector.url}/v1/metrics` })
  expect(() => startWebTelemetry()).toThrow(/called already/)
})
