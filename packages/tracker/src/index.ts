export { stagesCrossed } from './adoption.ts'
export {
  type AdoptionStore,
  InMemoryAdoptionStore,
  type InMemoryAdoptionStoreOptions,
  type MaybePromise,
} from './adoption-store.ts'
export { DistinctUsers } from './distinct-users.ts'
export { TrackerConfigError } from './errors.ts'
export { HyperLogLog } from './hyperloglog.ts'
export { INSTRUMENT_OPTIONS } from './instruments.ts'
export {
  DEFAULT_LIMITS,
  type FeatureCatalog,
  type FeatureDefinition,
  type FeatureTrackerOptions,
  type StageReached,
  type TrackerLimits,
} from './options.ts'
export { OtelRecorder } from './otel-recorder.ts'
export type { FeatureRecorder, UsersPoint, UsersSource } from './recorder.ts'
export { TenantBudget } from './tenant-budget.ts'
export {
  createFeatureTracker,
  type FeatureSession,
  type FeatureTracker,
  type FeatureUsedEvent,
  type PlanChangeEvent,
  type RetentionEvent,
  type SessionUser,
} from './tracker.ts'
