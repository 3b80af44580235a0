/**
 * What the browser may send: the two frontend instruments, and the keys the server stamps itself
 * (whatever the payload says for those is ignored, never trusted). Which attributes each instrument
 * takes, and their limits, are the aggregator's merge rules (packages/tracker-node).
 */
import { ATTR, METRICS } from '@feature-analytics/schema'

export const STAMPED_KEYS: readonly string[] = [ATTR.tenantId, ATTR.userPlan]

const BROWSER_INSTRUMENTS: readonly string[] = [METRICS.click, METRICS.timeSpent]

export const isBrowserInstrument = (name: string): boolean => BROWSER_INSTRUMENTS.includes(name)

/** One click-counter point may carry at most this many clicks (a page does not click faster). */
export const MAX_CLICKS_PER_POINT = 10_000
