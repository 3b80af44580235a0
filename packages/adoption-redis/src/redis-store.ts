import type { AdoptionStore } from '@feature-analytics/tracker'
import { type ChainableCommander, Redis } from 'ioredis'
import { RedisAdoptionStoreError, RedisStoreConfigError } from './errors.ts'
import { countKey, tenantKey } from './keys.ts'

export interface RedisAdoptionStoreOptions {
  /** A client you own (the store never closes it); or give `url`. */
  redis?: Redis
  /** redis://host:port/db; the store creates the client and `close()` quits it. */
  url?: string
  /** Default 'feature-analytics:adoption:'. Stores with different prefixes never see each other's keys. */
  keyPrefix?: string
  /** Expire counts and tenant sets this long after their last write; default: never. */
  ttlSeconds?: number
  /** For a client the store creates: fail a command after this long instead of queueing it. Default 1000. */
  commandTimeoutMillis?: number
}

/**
 * AdoptionStore on Redis, shared by every API replica. `add` is one INCRBY, atomic on the server,
 * so the tracker's `newCount - n < t <= newCount` rule fires each (user, feature, stage) exactly
 * once across replicas. With a TTL the INCRBY and EXPIRE go in one MULTI, so a count never exists
 * without its expiry. Failures reject with RedisAdoptionStoreError; the tracker counts them as
 * store_error and keeps the usage.
 */
export class RedisAdoptionStore implements AdoptionStore {
  readonly redis: Redis
  #prefix: string
  #ttl: number | undefined
  #owned: boolean

  constructor(options: RedisAdoptionStoreOptions) {
    if (options.redis === undefined && options.url === undefined) {
      throw new RedisStoreConfigError('RedisAdoptionStore needs a `redis` client or a `url`')
    }
    const ttl = options.ttlSeconds
    if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 1)) {
      throw new RedisStoreConfigError(`ttlSeconds must be a positive integer, got ${String(ttl)}`)
    }
    this.#prefix = options.keyPrefix ?? 'feature-analytics:adoption:'
    this.#ttl = ttl
    this.#owned = options.redis === undefined
    this.redis =
      options.redis ??
      new Redis(options.url as string, {
        commandTimeout: options.commandTimeoutMillis ?? 1000,
        maxRetriesPerRequest: 1,
      })
  }

  async add(userId: string, feature: string, n: number): Promise<number> {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RedisAdoptionStoreError('add', `n must be a positive integer, got ${n}`)
    const key = countKey(this.#prefix, userId, feature)
    const count = await this.#write(
      'add',
      key,
      () => this.redis.incrby(key, n),
      (multi) => multi.incrby(key, n),
    )
    if (typeof count !== 'number' || !Number.isSafeInteger(count)) {
      throw new RedisAdoptionStoreError('add', `INCRBY answered ${String(count)}, not an integer`)
    }
    return count
  }

  async markTenantFeature(tenantId: string, feature: string): Promise<void> {
    const key = tenantKey(this.#prefix, tenantId)
    await this.#write(
      'markTenantFeature',
      key,
      () => this.redis.hincrby(key, feature, 1),
      (multi) => multi.hincrby(key, feature, 1),
    )
  }

  async tenantFeatures(tenantId: string): Promise<Record<string, number>> {
    const uses = await this.#run('tenantFeatures', () =>
      this.redis.hgetall(tenantKey(this.#prefix, tenantId)),
    )
    return Object.fromEntries(Object.entries(uses).map(([feature, n]) => [feature, Number(n)]))
  }

  async resetTenantFeatures(tenantId: string): Promise<void> {
    await this.#run('resetTenantFeatures', () => this.redis.del(tenantKey(this.#prefix, tenantId)))
  }

  /** Quits the client if the store created it. */
  async close(): Promise<void> {
    if (this.#owned) await this.redis.quit().catch(() => this.redis.disconnect())
  }

  /**
   * One write: the command alone, or with its TTL in one MULTI. ioredis reports a failed command
   * inside a MULTI in the reply (and an aborted one as null) instead of rejecting, so every reply
   * is checked here: a failed write always rejects.
   */
  #write(
    operation: string,
    key: string,
    direct: () => Promise<unknown>,
    queued: (multi: ChainableCommander) => ChainableCommander,
  ): Promise<unknown> {
    return this.#run(operation, async () => {
      if (this.#ttl === undefined) return direct()
      const replies = await queued(this.redis.multi()).expire(key, this.#ttl).exec()
      if (replies === null) throw new Error('transaction aborted')
      for (const [error] of replies) if (error) throw error
      return replies[0]?.[1]
    })
  }

  async #run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw new RedisAdoptionStoreError(operation, error instanceof Error ? error.message : String(error), {
        cause: error,
      })
    }
  }
}
