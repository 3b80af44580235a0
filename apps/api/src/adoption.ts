/**
 * Where adoption counts live: Redis when REDIS_URL is set (replicas then share them, so each adoption
 * stage fires once across all of them), else the tracker's bounded in-memory store.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { RedisActiveUsers, RedisAdoptionStore } from '@feature-analytics/adoption-redis'
import type { ActiveUsersStore, AdoptionStore } from '@feature-analytics/tracker'
import type { Logger } from 'pino'
import { FEATURE_NAMES } from './catalog.ts'

export interface OpenAdoptionStore {
  kind: 'redis' | 'memory'
  /** Undefined: the tracker's default in-memory store. */
  store: AdoptionStore | undefined
  /**
   * Distinct active users per day, on the same Redis (every replica reports the merged counts);
   * undefined: the tracker's in-memory store.
   */
  activeUsers: ActiveUsersStore | undefined
  /**
   * Waits (at most `timeoutMs`) for adds still retrying against Redis, so the stages they fire are
   * in the last telemetry export; logs how many were still waiting.
   */
  settle(timeoutMs: number): Promise<void>
  close(): Promise<void>
}

export class AdoptionStoreUnavailableError extends Error {
  override name = 'AdoptionStoreUnavailableError'
}

/**
 * How long a starting replica keeps asking Redis for PING before it gives up. One try (a second,
 * the command timeout) was not enough: a replica restarted on a loaded machine once saw its only
 * PING time out while Redis served the other replica, and exited.
 */
const STARTUP_PING_MS = 10_000

/** PINGs until Redis answers or `withinMs` has passed; rethrows the last failure. */
async function pingWithin(store: RedisAdoptionStore, withinMs: number, onRetry: () => void): Promise<void> {
  const deadline = Date.now() + withinMs
  for (let attempt = 1; ; attempt++) {
    try {
      await store.redis.ping()
      return
    } catch (error) {
      if (Date.now() >= deadline) throw error
      if (attempt === 1) onRetry()
      await sleep(250)
    }
  }
}

export const openAdoptionStore = async (
  redisUrl: string | undefined,
  logger: Logger,
): Promise<OpenAdoptionStore> => {
  if (!redisUrl)
    return {
      kind: 'memory',
      store: undefined,
      activeUsers: undefined,
      settle: async () => {},
      close: async () => {},
    }
  const log = logger.child({ component: 'adoption-redis' })
  // Through the JSON logs, at most one line a second (ioredis reports every reconnect attempt);
  // calls wait and retry in order with their operation ids meanwhile, so nothing is applied twice
  // or lost within retryForMillis.
  let lastLogged = 0
  let suppressed = 0
  let unreachable = false
  const store = new RedisAdoptionStore({
    url: redisUrl,
    onError: (error) => {
      unreachable = true
      if (Date.now() - lastLogged < 1000) {
        suppressed += 1
        return
      }
      lastLogged = Date.now()
      log.warn({ err: error, suppressed }, 'Redis unreachable: adoption calls wait and retry in order')
      suppressed = 0
    },
  })
  store.redis.on('ready', () => {
    if (!unreachable) return
    unreachable = false
    log.info({ pending: store.pending }, 'Redis reachable again')
  })
  // Fail at startup, not on the first tracked call: a replica that cannot reach the shared store
  // would count stages on its own and fire them twice. The URL is not echoed (it may hold a password).
  try {
    await pingWithin(store, STARTUP_PING_MS, () =>
      log.warn(`Redis did not answer PING: trying again for up to ${STARTUP_PING_MS / 1000}s`),
    )
  } catch (error) {
    await store.close()
    const reason = error instanceof Error ? error.message : String(error)
    throw new AdoptionStoreUnavailableError(
      `Redis at REDIS_URL did not answer PING within ${STARTUP_PING_MS / 1000}s: ${reason}`,
      { cause: error },
    )
  }
  const persistence = await store.persistence()
  if (persistence && !(persistence.appendonly && persistence.appendfsync === 'always')) {
    log.warn(
      persistence,
      'Redis does not persist every write (appendonly yes, appendfsync always): a Redis restart will lose counts and fire stages again',
    )
  }
  const activeUsers = new RedisActiveUsers({
    redis: store.redis,
    features: FEATURE_NAMES,
    onError: (error) => log.warn({ err: error }, 'active users not written to Redis: retried next period'),
  })
  return {
    kind: 'redis',
    store,
    activeUsers,
    settle: async (timeoutMs) => {
      const left = await store.settle(timeoutMs)
      if (left > 0)
        log.error(
          { pending: left },
          'adoption calls still waiting for Redis at shutdown: their stages are lost',
        )
    },
    close: async () => {
      // What waits is written first; a failure is logged, and the store closes either way.
      await activeUsers
        .close()
        .catch((error: unknown) => log.error({ err: error }, 'active users lost at shutdown'))
      await store.close()
    },
  }
}
