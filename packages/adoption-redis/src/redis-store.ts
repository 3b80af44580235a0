import { randomUUID } from 'node:crypto'
import type { AdoptionStore } from '@feature-analytics/tracker'
import { Redis } from 'ioredis'
import { RedisAdoptionStoreError, RedisStoreConfigError } from './errors.ts'
import { countKey, operationKey, tenantKey } from './keys.ts'

export interface RedisAdoptionStoreOptions {
  /** A client you own (the store never closes it); or give `url`. */
  redis?: Redis
  /** redis://host:port/db; the store creates the client and `close()` quits it. */
  url?: string
  /** Default 'feature-analytics:adoption:'. Stores with different prefixes never see each other's keys. */
  keyPrefix?: string
  /** Expire counts and tenant feature-use hashes this long after their last write; default: never. */
  ttlSeconds?: number
  /** For a client the store creates: fail one attempt after this long. Default 1000. */
  commandTimeoutMillis?: number
  /**
   * How long a call keeps retrying (writes with the same operation id, so never applied twice)
   * while Redis is down, stalled or restarting, before it rejects. Default 30,000.
   */
  retryForMillis?: number
  /** Most calls waiting for Redis at once; more reject at once (the tracker counts store_error). Default 10,000. */
  maxPending?: number
  /**
   * Connection errors of a client the store creates (refused, reset), and the failure (a timeout
   * during a stall, too) that switches the store to replaying calls in order. Without it they are
   * dropped: ioredis would print "Unhandled error event" to stderr. Give your logger here.
   */
  onError?: (error: Error) => void
}

/** What Redis says about its own persistence; undefined when CONFIG is refused (managed Redis). */
export interface RedisPersistence {
  appendonly: boolean
  appendfsync: string
}

/**
 * One write, applied once per operation id. The id's key keeps what the write answered, so a retry
 * of a write Redis already applied (its reply was lost to a timeout, a stall or a dropped
 * connection) answers that instead of applying it again: a count or a tenant's feature use
 * (HINCRBY) is not added twice, and a replayed take answers the features it took instead of an
 * empty hash. A take reads and deletes the tenant's hash in one step, so a use marked meanwhile
 * goes to this decision or the next, never to neither. One script: atomic, and in the AOF as a whole.
 * KEYS: target, operation id. ARGV: kind (add | mark | take), argument, id TTL, target TTL or ''.
 */
const WRITE_ONCE = `
local done = redis.call('GET', KEYS[2])
if done then
  if ARGV[1] == 'take' then return done end
  return tonumber(done)
end
local result = 0
if ARGV[1] == 'add' then
  result = redis.call('INCRBY', KEYS[1], ARGV[2])
elseif ARGV[1] == 'mark' then
  redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
else
  local uses = redis.call('HGETALL', KEYS[1])
  local taken = {}
  for i = 1, #uses, 2 do taken[uses[i]] = tonumber(uses[i + 1]) end
  result = cjson.encode(taken)
  redis.call('DEL', KEYS[1])
end
redis.call('SET', KEYS[2], result, 'EX', ARGV[3])
if ARGV[4] ~= '' and ARGV[1] ~= 'take' then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
return result
`

type WriteKind = 'add' | 'mark' | 'take'
type Scripted = Redis & {
  adoptionWriteOnce(
    target: string,
    operation: string,
    kind: WriteKind,
    argument: string | number,
    operationTtl: number,
    ttl: string,
  ): Promise<unknown>
}

/** A call waiting for Redis, replayed in the order it was made. */
interface Waiting {
  seq: number
  operation: string
  call: () => Promise<unknown>
  deadline: number
  attempts: number
  resolve: (value: unknown) => void
  reject: (error: Error) => void
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
 * count once per operation id, so the tracker's `newCount - n < t <= newCount` rule fires each
 * (user, feature, stage) exactly once across replicas, and a call whose reply was lost (Redis
 * stalled past the command timeout, the connection dropped, Redis restarted) is retried, in order,
 * until Redis answers, without applying anything twice. Counts survive a Redis restart only if Redis persists every
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
  #operationTtl: number
  #seq = 0
  /** Calls sent while Redis answered, not settled yet. */
  #inFlight = 0
  /** Calls that failed, and every call made since, in the order they were made. */
  #waiting: Waiting[] = []
  #replaying = false
  #settled: (() => void)[] = []
  #onError: ((error: Error) => void) | undefined

  constructor(options: RedisAdoptionStoreOptions) {
    if (options.redis === undefined && options.url === undefined) {
      throw new RedisStoreConfigError('RedisAdoptionStore needs a `redis` client or a `url`')
    }
    const ttl = options.ttlSeconds
    if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 1)) {
      throw new RedisStoreConfigError(`ttlSeconds must be a positive integer, got ${String(ttl)}`)
    }
    const retryFor = options.retryForMillis ?? 30_000
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
    // An operation id must outlive every copy of its command: the retries, and the command ioredis
    // resends after a reconnect. Twice the retry window, at least a minute.
    this.#operationTtl = Math.max(60, Math.ceil((2 * retryFor) / 1000))
    this.redis =
      options.redis ??
      new Redis(options.url as string, {
        commandTimeout: options.commandTimeoutMillis ?? 1000,
        maxRetriesPerRequest: 1,
      })
    const onError = options.onError
    this.#onError = onError
    if (this.#owned) this.redis.on('error', (error: Error) => onError?.(error))
    this.redis.defineCommand('adoptionWriteOnce', { numberOfKeys: 2, lua: WRITE_ONCE })
  }

  /** Calls not answered yet: sent, or waiting for Redis to come back. */
  get pending(): number {
    return this.#inFlight + this.#waiting.length
  }

  async add(userId: string, feature: string, n: number): Promise<number> {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RedisAdoptionStoreError('add', `n must be a positive integer, got ${n}`)
    const reply = await this.#write('add', countKey(this.#prefix, userId, feature), n)
    if (typeof reply !== 'number' || !Number.isSafeInteger(reply)) {
      throw new RedisAdoptionStoreError('add', `the count answered ${String(reply)}, not an integer`)
    }
    return reply
  }

  async markTenantFeature(tenantId: string, feature: string): Promise<void> {
    await this.#write('mark', tenantKey(this.#prefix, tenantId), feature)
  }

  async tenantFeatures(tenantId: string): Promise<Record<string, number>> {
    const uses = await this.#ordered('tenantFeatures', () =>
      this.redis.hgetall(tenantKey(this.#prefix, tenantId)),
    )
    return Object.fromEntries(Object.entries(uses).map(([feature, n]) => [feature, Number(n)]))
  }

  async takeTenantFeatures(tenantId: string): Promise<Record<string, number>> {
    const reply = await this.#write('take', tenantKey(this.#prefix, tenantId), '')
    let taken: unknown
    try {
      taken = typeof reply === 'string' ? JSON.parse(reply) : undefined
    } catch {
      taken = undefined
    }
    if (typeof taken !== 'object' || taken === null || Array.isArray(taken))
      throw new RedisAdoptionStoreError(
        'takeTenantFeatures',
        `the take answered ${String(reply)}, not a hash`,
      )
    return taken as Record<string, number>
  }

  /** Resolves when nothing waits for Redis, or after `timeoutMillis`; answers how many still wait. */
  async settle(timeoutMillis: number): Promise<number> {
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.#settled.push(resolve)),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMillis)
        }),
      ])
      clearTimeout(timer)
    }
    return this.pending
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

  #write(kind: WriteKind, target: string, argument: string | number): Promise<unknown> {
    const id = operationKey(this.#prefix, randomUUID())
    const scripted = this.redis as Scripted
    const operation = kind === 'mark' ? 'markTenantFeature' : kind === 'take' ? 'takeTenantFeatures' : 'add'
    return this.#ordered(operation, () =>
      scripted.adoptionWriteOnce(target, id, kind, argument, this.#operationTtl, this.#ttl),
    )
  }

  /**
   * While Redis answers, a call goes straight out (one connection keeps calls in order). The first
   * failure switches to replay: once the calls already sent have settled, the failed calls and every
   * call made since go out one at a time in the order they were made, each retried (backing off
   * from 50 ms to 1 s) until Redis answers or retryForMillis has passed. So a use counted during an
   * outage keeps its place in the user's count, and a plan change reads the features marked before
   * it; writes carry an id, so a replayed write Redis had already applied is not applied again.
   */
  #ordered<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const waiting = this.#waiting.length > 0 || this.#replaying
    if (waiting && this.#waiting.length >= this.#maxPending) {
      return Promise.reject(
        new RedisAdoptionStoreError(
          operation,
          `${this.#waiting.length} calls already wait for Redis (maxPending)`,
        ),
      )
    }
    const seq = ++this.#seq
    if (waiting) return this.#wait(seq, operation, call) as Promise<T>
    this.#inFlight += 1
    return call().then(
      (value) => {
        this.#sent()
        return value
      },
      (error: unknown) => {
        if (permanent(error)) {
          this.#sent()
          throw this.#typed(operation, error)
        }
        if (!this.#replaying && this.#waiting.length === 0) this.#onError?.(this.#typed(operation, error))
        const waited = this.#wait(seq, operation, call) as Promise<T>
        this.#sent()
        return waited
      },
    )
  }

  #sent(): void {
    this.#inFlight -= 1
    this.#notifySettled()
  }

  #notifySettled(): void {
    if (this.pending === 0) for (const resolve of this.#settled.splice(0)) resolve()
  }

  #wait(seq: number, operation: string, call: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        seq,
        operation,
        call,
        deadline: Date.now() + this.#retryFor,
        attempts: 0,
        resolve,
        reject,
      }
      // A call sent before the failure may fail after later calls were queued: it keeps its place.
      let at = this.#waiting.length
      while (at > 0 && (this.#waiting[at - 1] as Waiting).seq > seq) at -= 1
      this.#waiting.splice(at, 0, entry)
      void this.#replay()
    })
  }

  async #replay(): Promise<void> {
    if (this.#replaying) return
    this.#replaying = true
    try {
      for (;;) {
        // Calls sent before the failure settle first (within the command timeout): whichever of
        // them fail join the queue in their place.
        while (this.#inFlight > 0) await sleep(10)
        const head = this.#waiting[0]
        if (head === undefined) break
        try {
          const value = await head.call()
          this.#waiting.shift()
          head.resolve(value)
        } catch (error) {
          if (permanent(error) || Date.now() >= head.deadline) {
            this.#waiting.shift()
            head.reject(this.#typed(head.operation, error))
          } else {
            await sleep(Math.min(1000, 50 * 2 ** head.attempts))
            head.attempts += 1
          }
        }
      }
    } finally {
      this.#replaying = false
      this.#notifySettled()
    }
  }

  #typed(operation: string, error: unknown): RedisAdoptionStoreError {
    return new RedisAdoptionStoreError(operation, error instanceof Error ? error.message : String(error), {
      cause: error,
    })
  }
}
