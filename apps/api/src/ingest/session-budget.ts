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

export class SessionBudget {
  readonly #clicks = new RateLimiterMemory({
    keyPrefix: 'ingest-clicks',
    points: MAX_CLICKS_PER_SESSION_WINDOW,
    duration: SESSION_WINDOW_SECONDS,
  })
  readonly #visits = new RateLimiterMemory({
    keyPrefix: 'ingest-visits',
    points: MAX_VISITS_PER_SESSION_WINDOW,
    duration: SESSION_WINDOW_SECONDS,
  })

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
