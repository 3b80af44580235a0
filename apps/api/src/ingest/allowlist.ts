/**
 * What the browser may send, per instrument: the attribute keys it may set and the keys the server
 * stamps itself (whatever the payload says for those is ignored, never trusted).
 */
import { ATTR, METRICS, TIME_SPENT_BUCKETS_MS } from '@feature-analytics/schema'

export const STAMPED_KEYS: readonly string[] = [ATTR.tenantId, ATTR.userPlan]

export const BROWSER_INSTRUMENTS = {
  [METRICS.click]: { kind: 'sum', keys: [ATTR.featureName, ATTR.uiElement] },
  [METRICS.timeSpent]: { kind: 'histogram', keys: [ATTR.featureName], boundaries: TIME_SPENT_BUCKETS_MS },
} as const

export type BrowserInstrument = keyof typeof BROWSER_INSTRUMENTS

export const isBrowserInstrument = (name: string): name is BrowserInstrument =>
  Object.hasOwn(BROWSER_INSTRUMENTS, name)

/** One click-counter point may carry at most this many clicks (a page does not click faster). */
export const MAX_CLICKS_PER_POINT = 10_000

export const MAX_VALUE_LENGTH = 128
/** ui.element ids are code identifiers in the page, not user text. */
export const UI_ELEMENT_PATTERN = /^[A-Za-z0-9][\w.:-]{0,63}$/
