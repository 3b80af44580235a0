import { RedisAdoptionStore } from '@feature-analytics/adoption-redis'
import { createFeatureTracker, type StageReached } from '@feature-analytics/tracker'

// Every API replica builds the same store; the count for a (user, feature) lives in Redis.
const adoptionStore = new RedisAdoptionStore({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  keyPrefix: 'saas-api:adoption:',
  ttlSeconds: 90 * 24 * 3600, // forget users idle for 90 days
})

export const reached: StageReached[] = []
const tracker = createFeatureTracker({
  catalog: { report_export: { category: 'reporting' } },
  adoptionStore,
  onStageReached: (event) => {
    reached.push(event)
  },
})

const use = { feature: 'report_export', userId: 'u-7', tenantId: 'acme', plan: 'pro' } as const
await Promise.all([1, 2, 3].map(() => tracker.trackFeatureUsed(use)))
// reached: discovered (count 1) and activated (count 3), once each, whichever replica counted them

export const tenantFeatures = await adoptionStore.tenantFeatures('acme') // { report_export: 3 }
await adoptionStore.close()
