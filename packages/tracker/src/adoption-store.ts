import { Generations } from './generations.ts'

/** Stores may answer synchronously (in memory) or with a promise (Redis); the tracker takes both. */
export type MaybePromise<T> = T | Promise<T>

/**
 * Per-(user, feature) usage counts and per-tenant feature sets. `add` must be atomic: adoption
 * stages fire from its result, so an atomic add is what makes them fire exactly once, also when
 * several API replicas share one store.
 */
export interface AdoptionStore {
  /** Adds `n` to the (user, feature) count and returns the new count. */
  add(userId: string, feature: string, n: number): MaybePromise<number>
  /** Counts one successful use of a feature by the tenant. */
  markTenantFeature(tenantId: string, feature: string): MaybePromise<void>
  /** Features the tenant used since its previous billing decision, each with its count of uses. */
  tenantFeatures(tenantId: string): MaybePromise<Record<string, number>>
  /**
   * At each billing decision: answers what `tenantFeatures` would and starts the tenant afresh, in
   * one atomic step, so a use marked concurrently (another user of the tenant, another replica)
   * goes to this decision or to the next one, never to neither.
   */
  takeTenantFeatures(tenantId: string): MaybePromise<Record<string, number>>
}

export interface InMemoryAdoptionStoreOptions {
  /** Most (user, feature) counts kept, and separately most tenants; the least recently used go first. */
  maxEntries?: number
}

/**
 * A single-process store with bounded memory. When full it forgets counts not used for a while
 * (see Generations), so a user coming back after that starts again at 0 and is "discovered"
 * again; `evicted` tells how often that happened. Use the Redis store when that matters or
 * replicas share state.
 */
export class InMemoryAdoptionStore implements AdoptionStore {
  #counts: Generations<number>
  #tenants: Generations<Map<string, number>>

  constructor(options: InMemoryAdoptionStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2) {
      throw new RangeError(`maxEntries must be an integer of at least 2, got ${String(maxEntries)}`)
    }
    this.#counts = new Generations(maxEntries)
    this.#tenants = new Generations(maxEntries)
  }

  /** How many counts and tenants were forgotten to stay within maxEntries. */
  get evicted(): number {
    return this.#counts.evicted + this.#tenants.evicted
  }

  /** Counts currently kept. */
  get size(): number {
    return this.#counts.size
  }

  add(userId: string, feature: string, n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`)
    return this.#counts.increment(feature, userId, n)
  }

  markTenantFeature(tenantId: string, feature: string): void {
    const features = this.#tenants.get(tenantId, '')
    if (features === undefined) this.#tenants.set(tenantId, '', new Map([[feature, 1]]))
    else features.set(feature, (features.get(feature) ?? 0) + 1)
  }

  tenantFeatures(tenantId: string): Record<string, number> {
    return Object.fromEntries(this.#tenants.get(tenantId, '') ?? [])
  }

  takeTenantFeatures(tenantId: string): Record<string, number> {
    const features = this.tenantFeatures(tenantId)
    this.#tenants.delete(tenantId, '')
    return features
  }
}
