/**
 * Where adoption counts live: Redis when REDIS_URL is set (replicas then share them, so each adoption
 * stage fires once across all of them), else the tracker's bounded in-memory store.
 */
import { RedisAdoptionStore } from '@feature-analytics/adoption-redis'
import type { AdoptionStore } from '@feature-analytics/tracker'

export interface OpenAdoptionStore {
  kind: 'redis' | 'memory'
  /** Undefined: the tracker's default in-memory store. */
  store: AdoptionStore | undefined
  close(): Promise<void>
}

export class AdoptionStoreUnavailableError extends Error {
  override name = 'AdoptionStoreUnavailableError'
}

export const openAdoptionStore = async (redisUrl: string | undefined): Promise<OpenAdoptionStore> => {
  if (!redisUrl) return { kind: 'memory', store: undefined, close: async () => {} }
  const store = new RedisAdoptionStore({ url: redisUrl })
  // Fail at startup, not on the first tracked call: a replica that cannot reach the shared store
  // would count stages on its own and fire them twice. The URL is not echoed (it may hold a password).
  try {
    await store.redis.ping()
  } catch (error) {
    await store.close()
    const reason = error instanceof Error ? error.message : String(error)
    throw new AdoptionStoreUnavailableError(`Redis at REDIS_URL did not answer PING: ${reason}`, {
      cause: error,
    })
  }
  return { kind: 'redis', store, close: () => store.close() }
}
