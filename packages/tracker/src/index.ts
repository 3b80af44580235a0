export {
  ACTIVE_DAYS_KEPT,
  type ActiveUsersStore,
  DAY_MILLIS,
  dayOf,
  InMemoryActiveUsers,
  type InMemoryActiveUsersOptions,
} from './active-users.ts'
export {
  type AdoptionStore,
  InMemoryAdoptionStore,
  type InMemoryAdoptionStoreOptions,
  type MaybePromise,
} from './adoption-store.ts'
export { TrackerConfigError } from './errors.ts'
export {
  DEFAULT_LIMITS,
  type FeatureCatalog,
  type FeatureDefinition,
  type FeatureTrackerOptions,
  type StageReached,
  type TrackerLimits,
} from './options.ts'
export { OtelRecorder } from './otel-recorder.ts'
export type { FeatureRecorder, Observation, ObservedSource } from './recorder.ts'
/** The budget's type, for `tenantBudget`: share the one tracker-node's aggregator owns. */
export type { TenantBudget } from './tenant-budget.ts'
export {
  createFeatureTracker,
  type FeatureSession,
  type FeatureTracker,
  type FeatureUsedEvent,
  type PlanChangeEvent,
  type RetentionEvent,
  type SessionUser,
} from './tracker.ts'
