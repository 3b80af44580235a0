import { ACTIVITY_WINDOW_NAMES, ACTIVITY_WINDOWS, ATTR, PLANS, type Plan } from '@feature-analytics/schema'
import {
  ACTIVE_DAYS_KEPT,
  type ActiveUsersStore,
  DAY_MILLIS,
  dayOf,
  type Observation,
} from '@feature-analytics/tracker'
import type { Redis } from 'ioredis'
import { RedisStoreConfigError } from './errors.ts'
import { activeDayKey } from './keys.ts'

export interface RedisActiveUsersOptions {
  /** A client you own (the adoption store's `redis`, say); `close()` leaves it open. */
  redis: Redis
  /** The catalog's feature names: the windows read are these x the plans, a bounded set. */
  features: readonly string[]
  /** Default 'feature-analytics:active:'. */
  keyPrefix?: string
  /** Length of a "day" in milliseconds. Default: one UTC day. */
  dayMillis?: number
  /** How often marks are written and the windows read back. Default 2,000 ms. */
  refreshMillis?: number
  /** Most marks waiting to be written; beyond it `mark` throws (the tracker counts store_error). Default 50,000. */
  maxPending?: number
  now?: () => number
  /** A refresh that failed (its marks wait for the next one). Give your logger here. */
  onError?: (error: Error) => void
}

/**
 * Distinct active users shared by every replica: PFADD into one Redis HyperLogLog per (feature,
 * plan, day), PFCOUNT over the window's day keys (Redis merges them: a user seen by two replicas,
 * or on three days, counts once). Each replica reports the same merged numbers, so a query takes
 * their max, never their sum. Keys outlive the 30-day window by a day and then expire; a replica
 * restart loses at most the marks not yet written (one refresh period). Redis's sketches have a
 * 0.81% standard error.
 *
 * `mark` only adds the id to an in-process batch (the request path never waits for Redis); a timer
 * writes the batch and reads the windows into the snapshot `points` answers from.
 */
export class RedisActiveUsers implements ActiveUsersStore {
  readonly #redis: Redis
  readonly #features: readonly string[]
  readonly #prefix: string
  readonly #dayMillis: number
  readonly #maxPending: number
  readonly #now: () => number
  readonly #onError: (error: Error) => void
  #pending = new Map<string, Set<string>>()
  #pendingCount = 0
  #snapshot: Observation<'distinctUsers'>[] = []
  #timer: ReturnType<typeof setInterval> | undefined
  #running: Promise<void> | undefined

  constructor(options: RedisActiveUsersOptions) {
    this.#redis = options.redis
    this.#features = options.features
    this.#prefix = options.keyPrefix ?? 'feature-analytics:active:'
    this.#dayMillis = positive(options.dayMillis ?? DAY_MILLIS, 'dayMillis')
    this.#maxPending = positive(options.maxPending ?? 50_000, 'maxPending')
    this.#now = options.now ?? Date.now
    this.#onError = options.onError ?? (() => {})
    const every = positive(options.refreshMillis ?? 2000, 'refreshMillis')
    this.#timer = setInterval(() => void this.refresh().catch(this.#onError), every)
    this.#timer.unref()
  }

  mark(feature: string, plan: Plan, userId: string, time: number): void {
    if (this.#pendingCount >= this.#maxPending)
      throw new RangeError(`${this.#pendingCount} active-user marks wait for Redis already`)
    this.#wait(activeDayKey(this.#prefix, feature, plan, dayOf(time, this.#dayMillis)), userId)
  }

  points(): Iterable<Observation<'distinctUsers'>> {
    return this.#snapshot
  }

  /** Writes the waiting marks, then reads every window into the snapshot. One at a time. */
  refresh(): Promise<void> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  async #refresh(): Promise<void> {
    const batch = this.#pending
    this.#pending = new Map()
    this.#pendingCount = 0
    try {
      if (batch.size > 0) {
        const write = this.#redis.multi()
        const ttl = (ACTIVE_DAYS_KEPT + 1) * this.#dayMillis
        for (const [key, users] of batch) write.pfadd(key, ...users).pexpire(key, ttl)
        const replies = await write.exec()
        const failed = replies?.find(([error]) => error)
        if (replies === null || failed) throw failed?.[0] ?? new Error('MULTI was aborted')
      }
    } catch (error) {
      for (const [key, users] of batch) for (const user of users) this.#wait(key, user)
      throw error
    }
    await this.#read()
  }

  /** Adds a mark to the batch the next refresh writes. */
  #wait(key: string, user: string): void {
    let users = this.#pending.get(key)
    if (users === undefined) {
      users = new Set()
      this.#pending.set(key, users)
    }
    if (!users.has(user)) this.#pendingCount++
    users.add(user)
  }

  async #read(): Promise<void> {
    const today = dayOf(this.#now(), this.#dayMillis)
    const read = this.#redis.pipeline()
    const pairs: [string, Plan][] = []
    for (const feature of this.#features) {
      for (const plan of PLANS) {
        pairs.push([feature, plan])
        for (const window of ACTIVITY_WINDOW_NAMES) {
          const keys = Array.from({ length: ACTIVITY_WINDOWS[window] }, (_, d) =>
            activeDayKey(this.#prefix, feature, plan, today - d),
          )
          read.pfcount(keys[0] as string, ...keys.slice(1))
        }
      }
    }
    const replies = (await read.exec()) ?? []
    const snapshot: Observation<'distinctUsers'>[] = []
    pairs.forEach(([feature, plan], i) => {
      const counts = ACTIVITY_WINDOW_NAMES.map((_, w) => {
        const [error, count] = replies[i * ACTIVITY_WINDOW_NAMES.length + w] ?? [new Error('no reply')]
        if (error) throw error
        return Number(count)
      })
      // Nobody in the longest window: no series (what the in-memory store does too).
      if ((counts.at(-1) ?? 0) === 0) return
      ACTIVITY_WINDOW_NAMES.forEach((window, w) => {
        const attributes = {
          [ATTR.featureName]: feature,
          [ATTR.userPlan]: plan,
          [ATTR.activityWindow]: window,
        }
        snapshot.push({ attributes, value: counts[w] as number })
      })
    })
    this.#snapshot = snapshot
  }

  /** Stops the timer after writing what waits (the client stays open: it is yours). */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.refresh()
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RedisStoreConfigError(`${name} must be a positive integer, got ${String(value)}`)
  return value
}
