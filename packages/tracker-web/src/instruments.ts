/**
 * The seed's browser API on the OpenTelemetry metrics API: clicks and time spent per feature. The
 * instruments are looked up from the global MeterProvider when used, so calls made before
 * startWebTelemetry are harmless no-ops instead of being bound to the no-op provider forever.
 */

import { ATTR, INSTRUMENTS } from '@feature-analytics/schema'
import { INSTRUMENT_OPTIONS } from '@feature-analytics/tracker/internal'
import { type Counter, type Histogram, type MeterProvider, metrics } from '@opentelemetry/api'
import { TrackerWebError } from './errors.ts'

interface Instruments {
  provider: MeterProvider
  click: Counter
  timeSpent: Histogram
}

let cached: Instruments | undefined

const instruments = (): Instruments => {
  const provider = metrics.getMeterProvider()
  if (cached?.provider === provider) return cached
  // The same instrument specs the server side uses, so both paths describe them alike.
  const { click, timeSpent } = INSTRUMENTS
  cached = {
    provider,
    click: provider.getMeter(click.meter).createCounter(click.name, INSTRUMENT_OPTIONS.click),
    timeSpent: provider
      .getMeter(timeSpent.meter)
      .createHistogram(timeSpent.name, INSTRUMENT_OPTIONS.timeSpent),
  }
  return cached
}

const required = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value.length === 0)
    throw new TrackerWebError(`${what} must be a non-empty string`)
  return value
}

/** Counts one click on `elementId` in `featureName`. The server stamps tenant and plan. */
export const trackFeatureClick = (featureName: string, elementId: string): void => {
  instruments().click.add(1, {
    [ATTR.featureName]: required(featureName, 'featureName'),
    [ATTR.uiElement]: required(elementId, 'elementId'),
  })
}

export interface FeatureSession {
  readonly featureName: string
  /** Records the time spent once and returns it in ms; later calls return undefined. */
  end(): number | undefined
}

const open = new Set<FeatureSession>()

/** A visit to a feature; `end()` records product.feature.time_spent. */
export const createFeatureSession = (featureName: string): FeatureSession => {
  required(featureName, 'featureName')
  const startedAt = performance.now()
  let ended = false
  const session: FeatureSession = {
    featureName,
    end() {
      if (ended) return undefined
      ended = true
      open.delete(session)
      const ms = performance.now() - startedAt
      instruments().timeSpent.record(ms, { [ATTR.featureName]: featureName })
      return ms
    },
  }
  open.add(session)
  return session
}

/** Ends every open session: the page is going away and would never end them. */
export const endOpenSessions = (): void => {
  for (const session of [...open]) session.end()
}
