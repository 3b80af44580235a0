/**
 * How many clicks and visits one browser session may report over a window: a page that claims
 * more than a person could do is refused (the points are counted as dropped, reason over_rate),
 * however it spreads them over requests and points.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

export const SESSION_WINDOW_SECONDS = 300
/** Ten clicks a second for five minutes, sustained. */
export const MAX_CLICKS_PER_SESSION_WINDOW = 3000
/** A visit a second for five minutes. */
export const MAX_VISITS_PER_SESSION_WINDOW = 300

export interface SessionLimits {
  /** Clicks per session per SESSION_WINDOW_SECONDS; default MAX_CLICKS_PER_SESSION_WINDOW. */
  clicks?: number
  /** Visits per session per SESSION_WINDOW_SECONDS; default MAX_VISITS_PER_SESSION_WINDOW. */
  visits?: number
}

/**
 * One request may carry at most this share of a session's window: the tracker exports every few
 * seconds and on pagehide, so a request holding more than a third of five minutes' worth is not a
 * page (by default 1,000 clicks and 100 visits).
 */
const REQUEST_SHARE = 3

export class SessionBudget {
  readonly #clicks: RateLimiterMemory
  readonly #visits: RateLimiterMemory
  /** Most clicks and visits one request may carry. */
  readonly requestClicks: number
  readonly requestVisits: number

  constructor(limits: SessionLimits = {}) {
    const clicks = limits.clicks ?? MAX_CLICKS_PER_SESSION_WINDOW
    const visits = limits.visits ?? MAX_VISITS_PER_SESSION_WINDOW
    this.#clicks = new RateLimiterMemory({
      keyPrefix: 'ingest-clicks',
      points: clicks,
      duration: SESSION_WINDOW_SECONDS,
    })
    this.#visits = new RateLimiterMemory({
      keyPrefix: 'ingest-visits',
      points: visits,
      duration: SESSION_WINDOW_SECONDS,
    })
    this.requestClicks = Math.ceil(clicks / REQUEST_SHARE)
    this.requestVisits = Math.ceil(visits / REQUEST_SHARE)
  }

  /** Spends the request's clicks and visits; false when the session's window cannot hold them. */
  async take(session: string, clicks: number, visits: number): Promise<boolean> {
    try {
      if (clicks > 0) await this.#clicks.consume(session, clicks)
      if (visits > 0) await this.#visits.consume(session, visits)
      return true
    } catch (error) {
      if (error instanceof RateLimiterRes) return false
      throw error
    }
  }
}
