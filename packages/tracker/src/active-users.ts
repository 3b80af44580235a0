import {
  ACTIVITY_WINDOW_NAMES,
  ACTIVITY_WINDOWS,
  ATTR,
  DAY_MILLIS,
  dayOf,
  type Plan,
} from '@feature-analytics/schema'
import { HyperLogLog } from './hyperloglog.ts'
import type { Observation } from './recorder.ts'

export { DAY_MILLIS, dayOf }
/** Days a store keeps: the longest window's. */
export const ACTIVE_DAYS_KEPT = Math.max(...Object.values(ACTIVITY_WINDOWS))

/**
 * Who was active on which feature, per day, for product.feature.distinct_users: distinct users per
 * feature, plan and window (`1d`, `7d`, `30d`, each ending today). `mark` is on the request path,
 * so it must not block or throw; `points` runs inside a metrics collection, so it answers
 * synchronously (a shared store answers from a snapshot it refreshes on its own).
 */
export interface ActiveUsersStore {
  mark(feature: string, plan: Plan, userId: string, time: number): void
  points(time: number): Iterable<Observation<'distinctUsers'>>
}

export interface InMemoryActiveUsersOptions {
  /** Length of a "day" in milliseconds (a test or a compressed simulation makes it short). */
  dayMillis?: number
}

/**
 * One process's active users: a HyperLogLog per (day, feature, plan), the last 30 days kept, so
 * memory has a ceiling (catalog features x plans x 30 sketches of at most 4 KiB) and no user id is
 * kept. Restarting the process forgets them, and replicas do not see each other's users: the Redis
 * store (@feature-analytics/adoption-redis) is the one for several replicas.
 */
export class InMemoryActiveUsers implements ActiveUsersStore {
  readonly #days = new Map<number, Map<string, HyperLogLog>>()
  readonly #dayMillis: number

  constructor(options: InMemoryActiveUsersOptions = {}) {
    this.#dayMillis = options.dayMillis ?? DAY_MILLIS
    if (!Number.isSafeInteger(this.#dayMillis) || this.#dayMillis < 1)
      throw new RangeError(`dayMillis must be a positive integer, got ${String(options.dayMillis)}`)
  }

  mark(feature: string, plan: Plan, userId: string, time: number): void {
    const day = dayOf(time, this.#dayMillis)
    let sketches = this.#days.get(day)
    if (sketches === undefined) {
      sketches = new Map()
      this.#days.set(day, sketches)
      for (const kept of this.#days.keys()) if (kept <= day - ACTIVE_DAYS_KEPT) this.#days.delete(kept)
    }
    const key = `${feature}\u0000${plan}`
    let sketch = sketches.get(key)
    if (sketch === undefined) {
      sketch = new HyperLogLog()
      sketches.set(key, sketch)
    }
    sketch.add(userId)
  }

  *points(time: number): Generator<Observation<'distinctUsers'>> {
    const today = dayOf(time, this.#dayMillis)
    const keys = new Set<string>()
    for (const [day, sketches] of this.#days) {
      if (day <= today && day > today - ACTIVE_DAYS_KEPT) for (const key of sketches.keys()) keys.add(key)
    }
    for (const key of keys) {
      const [feature, plan] = key.split('\u0000') as [string, Plan]
      // Windows nest (1d in 7d in 30d): one union grows day by day and is read at each window's end.
      const union = new HyperLogLog()
      let days = 0
      for (const window of ACTIVITY_WINDOW_NAMES) {
        for (; days < ACTIVITY_WINDOWS[window]; days++) {
          const sketch = this.#days.get(today - days)?.get(key)
          if (sketch !== undefined) union.merge(sketch)
        }
        const attributes = {
          [ATTR.featureName]: feature,
          [ATTR.userPlan]: plan,
          [ATTR.activityWindow]: window,
        }
        yield { attributes, value: union.estimate() }
      }
    }
  }
}
