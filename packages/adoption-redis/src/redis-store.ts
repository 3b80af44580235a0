import { randomUUID } from 'node:crypto'
import type { AdoptionStore } from '@feature-analytics/tracker'
import { Redis } from 'ioredis'
import { RedisAdoptionStoreError, RedisStoreConfigError } from './errors.ts'
import { countKey, eventKey, tenantKey } from './keys.ts'

export interface RedisAdoptionStoreOptions {
  /** A client you own (the store never closes it); or give `url`. */
  redis?: Redis
  /** redis://host:port/db; the store creates the client and `close()` quits it. */
  url?: string
  /** Default 'feature-analytics:adoption:'. Stores with different prefixes never see each other's keys. */
  keyPrefix?: string
  /** Expire counts and tenant sets this long after their last write; default: never. */
  ttlSeconds?: number
  /** For a client the store creates: fail one attempt after this long. Default 1000. */
  commandTimeoutMillis?: number
  /**
   * How long an `add` keeps retrying (same event id, so never counted twice) while Redis is down,
   * stalled or restarting, before it rejects. Default 60,000.
   */
  retryForMillis?: number
  /** Most adds waiting for Redis at once; more reject at once (the tracker counts store_error). Default 10,000. */
  maxPending?: number
  /**
   * Connection errors of a client the store creates (refused, reset, timed out). Without it they
   * are dropped: ioredis would print "Unhandled error event" to stderr. Give your logger here.
   */
  onError?: (error: Error) => void
}

/** What Redis says about its own persistence; undefined when CONFIG is refused (managed Redis). */
export interface RedisPersistence {
  appendonly: boolean
  appendfsync: string
}

/**
 * INCRBY once per event id. The event key keeps the count this event produced, so a retry of an
 * event that Redis already applied (its reply was lost to a timeout, a stall or a dropped
 * connection) answers that same count instead of adding again. One script: atomic, and written to
 * the AOF as a whole.
 */
const ADD_ONCE = `
local done = redis.call('GET', KEYS[2])
if done then return tonumber(done) end
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], count, 'EX', ARGV[2])
if ARGV[3] ~= '' then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return count
`

const SADD_WITH_TTL = `
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
`

type Scripted = Redis & {
  adoptionAddOnce(count: string, event: string, n: number, eventTtl: number, ttl: string): Promise<unknown>
  adoptionMark(tenant: string, feature: string, ttl: string): Promise<unknown>
}

/**
 * Redis refused the command itself (a key of the wrong type, a script error): waiting will not help.
 * Other reply errors (LOADING after a restart, BUSY, READONLY during a failover) and connection
 * errors pass.
 */
const permanent = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ReplyError' && /^(WRONGTYPE|ERR) /.test(error.message)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * AdoptionStore on Redis, shared by every API replica. `add` runs one script that increments the
 * count once per event id, so the tracker's `newCount - n < t <= newCount` rule fires each (user,
 * feature, stage) exactly once across replicas, and an add whose reply was lost (Redis stalled past
 * the command timeout, the connection dropped, Redis restarted) is retried with the same id until
 * Redis answers, without counting twice. Counts survive a Redis restart only if Redis persists every
 * write (AOF with appendfsync always; see `persistence()`). Failures reject with
 * RedisAdoptionStoreError; the tracker counts them as store_error and keeps the usage.
 */
export class RedisAdoptionStore implements AdoptionStore {
  readonly redis: Redis
  #prefix: string
  #ttl: string
  #owned: boolean
  #retryFor: number
  #maxPending: number
  #eventTtl: number
  #pending = 0
  #settled: (() => void)[] = []

  constructor(options: RedisAdoptionStoreOptions) {
    if (options.redis === undefined && options.url === undefined) {
      throw new RedisStoreConfigError('RedisAdoptionStore needs a `redis` client or a `url`')
    }
    const ttl = options.ttlSeconds
    if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 1)) {
      throw new RedisStoreConfigError(`ttlSeconds must be a positive integer, got ${String(ttl)}`)
    }
    const retryFor = options.retryForMillis ?? 60_000
    if (!Number.isSafeInteger(retryFor) || retryFor < 0) {
      throw new RedisStoreConfigError(`retryForMillis must be an integer >= 0, got ${String(retryFor)}`)
    }
    const maxPending = options.maxPending ?? 10_000
    if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new RedisStoreConfigError(`maxPending must be a positive integer, got ${String(maxPending)}`)
    }
    this.#prefix = options.keyPrefix ?? 'feature-analytics:adoption:'
    this.#ttl = ttl === undefined ? '' : String(ttl)
    this.#owned = options.redis === undefined
    this.#retryFor = retryFor
    this.#maxPending = maxPending
    // An event id must outlive every copy of its command: the retries, and the command ioredis
    // resends after a reconnect. Twice the retry window, at least a minute.
    this.#eventTtl = Math.max(60, Math.ceil((2 * retryFor) / 1000))
    this.redis =
      options.redis ??
      new Redis(options.url as string, {
        commandTimeout: options.commandTimeoutMillis ?? 1000,
        maxRetriesPerRequest: 1,
      })
    if (this.#owned) {
      const onError = options.onError
      this.redis.on('error', (error: Error) => onError?.(error))
    }
    this.redis.defineCommand('adoptionAddOnce', { numberOfKeys: 2, lua: ADD_ONCE })
    this.redis.defineCommand('adoptionMark', { numberOfKeys: 1, lua: SADD_WITH_TTL })
  }

  /** Adds waiting for Redis to answer (first try or retry). */
  get pending(): number {
    return this.#pending
  }

  async add(userId: string, feature: string, n: number): Promise<number> {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RedisAdoptionStoreError('add', `n must be a positive integer, got ${n}`)
    if (this.#pending >= this.#maxPending) {
      throw new RedisAdoptionStoreError('add', `${this.#pending} adds already wait for Redis (maxPending)`)
    }
    const count = countKey(this.#prefix, userId, feature)
    const event = eventKey(this.#prefix, randomUUID())
    const scripted = this.redis as Scripted
    this.#pending += 1
    try {
      const reply = await this.#retrying('add', () =>
        scripted.adoptionAddOnce(count, event, n, this.#eventTtl, this.#ttl),
      )
      if (typeof reply !== 'number' || !Number.isSafeInteger(reply)) {
        throw new RedisAdoptionStoreError('add', `the count answered ${String(reply)}, not an integer`)
      }
      return reply
    } finally {
      this.#pending -= 1
      if (this.#pending === 0) for (const resolve of this.#settled.splice(0)) resolve()
    }
  }

  /** SADD is idempotent: retried like `add`, without an event id. */
  async markTenantFeature(tenantId: string, feature: string): Promise<void> {
    const scripted = this.redis as Scripted
    await this.#retrying('markTenantFeature', () =>
      scripted.adoptionMark(tenantKey(this.#prefix, tenantId), feature, this.#ttl),
    )
  }

  async tenantFeatures(tenantId: string): Promise<string[]> {
    return this.#once('tenantFeatures', () => this.redis.smembers(tenantKey(this.#prefix, tenantId)))
  }

  async resetTenantFeatures(tenantId: string): Promise<void> {
    await this.#once('resetTenantFeatures', () => this.redis.del(tenantKey(this.#prefix, tenantId)))
  }

  /** Resolves when no add waits for Redis, or after `timeoutMillis`; answers how many still wait. */
  async settle(timeoutMillis: number): Promise<number> {
    if (this.#pending > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.#settled.push(resolve)),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMillis)
        }),
      ])
      clearTimeout(timer)
    }
    return this.#pending
  }

  /** AOF settings as Redis reports them, to warn when a restart would lose counts. */
  async persistence(): Promise<RedisPersistence | undefined> {
    try {
      const [, appendonly] = (await this.redis.config('GET', 'appendonly')) as string[]
      const [, appendfsync] = (await this.redis.config('GET', 'appendfsync')) as string[]
      return { appendonly: appendonly === 'yes', appendfsync: appendfsync ?? 'unknown' }
    } catch {
      return undefined
    }
  }

  /** Quits the client if the store created it. */
  async close(): Promise<void> {
    if (this.#owned) await this.redis.quit().catch(() => this.redis.disconnect())
  }

  /** Tries until Redis answers or retryForMillis has passed, backing off from 50 ms to 1 s. */
  async #retrying<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#retryFor
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call()
      } catch (error) {
        if (permanent(error) || Date.now() >= deadline) throw this.#typed(operation, error)
        await sleep(Math.min(1000, 50 * 2 ** attempt))
      }
    }
  }

  async #once<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw this.#typed(operation, error)
    }
  }

  #typed(operation: string, error: unknown): RedisAdoptionStoreError {
    return new RedisAdoptionStoreError(operation, error instanceof Error ? error.message : String(error), {
      cause: error,
    })
  }
}
