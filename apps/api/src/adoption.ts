/**
 * Where adoption counts live: Redis when REDIS_URL is set (replicas then share them, so each adoption
 * stage fires once across all of them), else the tracker's bounded in-memory store.
 */
import type { AdoptionStore } from '@feature-analytics/tracker'

export interface OpenAdoptionStore {
  kind: 'redis' | 'memory'
  /** Undefined: the tracker's default in-memory store. */
  store: AdoptionStore | undefined
  close(): Promise<void>
}

export const openAdoptionStore = async (redisUrl: string | undefined): Promise<OpenAdoptionStore> => {
  if (!redisUrl) return { kind: 'memory', store: undefined, close: async () => {} }
  throw new Error(
    '@feature-analytics/adoption-redis has no RedisAdoptionStore yet: unset REDIS_URL to use the in-memory store',
  )
}
