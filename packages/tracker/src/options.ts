import {
  type AdoptionStage,
  type AdoptionThresholds,
  DEFAULT_ADOPTION_THRESHOLDS,
  type Plan,
} from '@feature-analytics/schema'
import { type MeterProvider, metrics } from '@opentelemetry/api'
import { type ActiveUsersStore, InMemoryActiveUsers } from './active-users.ts'
import { checkThresholds } from './adoption.ts'
import { type AdoptionStore, InMemoryAdoptionStore, type MaybePromise } from './adoption-store.ts'
import { TrackerConfigError } from './errors.ts'
import { OtelRecorder } from './otel-recorder.ts'
import { type FeatureRecorder, RECORDER_METHODS } from './recorder.ts'
import { TenantBudget } from './tenant-budget.ts'

export interface FeatureDefinition {
  readonly category: string
}

export type FeatureCatalog = Readonly<Record<string, FeatureDefinition>>

export interface TrackerLimits {
  /** Tenants that get their own `tenant.id` series; the rest fold into `_other`. */
  maxTenants: number
  /** Longest id (user, tenant) or catalog name accepted, in UTF-16 code units. */
  maxValueLength: number
}

export const DEFAULT_LIMITS: Readonly<TrackerLimits> = { maxTenants: 1000, maxValueLength: 128 }

export interface StageReached {
  userId: string
  tenantId: string
  feature: string
  stage: AdoptionStage
  plan: Plan
  count: number
}

export interface FeatureTrackerOptions {
  catalog: FeatureCatalog
  /** Used by the default recorder only. Default: the global MeterProvider. */
  meterProvider?: MeterProvider
  /** Default: OpenTelemetry API instruments; tracker-node's FeatureAggregator is the fast path. */
  recorder?: FeatureRecorder
  /** Default: new InMemoryAdoptionStore({ maxEntries: 100_000 }). */
  adoptionStore?: AdoptionStore
  /**
   * Where distinct active users per day live (product.feature.distinct_users). Default: new
   * InMemoryActiveUsers(); replicas share @feature-analytics/adoption-redis's RedisActiveUsers.
   */
  activeUsers?: ActiveUsersStore
  /** The clock active users are counted by (epoch milliseconds). Default: Date.now. */
  now?: () => number
  thresholds?: AdoptionThresholds
  /** Called once per (user, feature, stage); a throw or rejection is counted as hook_error. */
  onStageReached?: (event: StageReached) => MaybePromise<void>
  limits?: Partial<TrackerLimits>
  /**
   * The tenant budget to share with everything else that labels by tenant (tracker-node's
   * FeatureAggregator has one: pass `aggregator.tenantBudget`), so a tenant folds into `_other`
   * everywhere or nowhere. Default: a budget of its own, `limits.maxTenants` tenants.
   */
  tenantBudget?: TenantBudget
}

export interface ResolvedOptions {
  categories: ReadonlyMap<string, string>
  recorder: FeatureRecorder
  store: AdoptionStore
  activeUsers: ActiveUsersStore
  now: () => number
  thresholds: AdoptionThresholds
  onStageReached: ((event: StageReached) => MaybePromise<void>) | undefined
  limits: TrackerLimits
  tenantBudget: TenantBudget
}

const STORE_METHODS = ['add', 'markTenantFeature', 'tenantFeatures', 'takeTenantFeatures'] as const

function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false
  return names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TrackerConfigError(`${name} must be a positive integer, got ${String(value)}`)
  }
  return value
}

function checkLimits(limits: unknown): TrackerLimits {
  if (limits === undefined) return { ...DEFAULT_LIMITS }
  if (typeof limits !== 'object' || limits === null) throw new TrackerConfigError('limits must be an object')
  const given = limits as Partial<Record<keyof TrackerLimits, unknown>>
  return {
    maxTenants: positiveInteger(given.maxTenants ?? DEFAULT_LIMITS.maxTenants, 'limits.maxTenants'),
    maxValueLength: positiveInteger(
      given.maxValueLength ?? DEFAULT_LIMITS.maxValueLength,
      'limits.maxValueLength',
    ),
  }
}

function checkCatalog(catalog: unknown, maxLength: number): Map<string, string> {
  if (typeof catalog !== 'object' || catalog === null || Array.isArray(catalog)) {
    throw new TrackerConfigError('catalog must be an object of feature name -> { category }')
  }
  const categories = new Map<string, string>()
  for (const [name, definition] of Object.entries(catalog)) {
    if (name.length === 0 || name.length > maxLength) {
      throw new TrackerConfigError(`feature names must be 1..${maxLength} characters, got "${name}"`)
    }
    const category = (definition as Partial<FeatureDefinition> | null)?.category
    if (typeof category !== 'string' || category.length === 0 || category.length > maxLength) {
      throw new TrackerConfigError(`catalog.${name}.category must be a string of 1..${maxLength} characters`)
    }
    categories.set(name, category)
  }
  if (categories.size === 0) throw new TrackerConfigError('catalog must name at least one feature')
  return categories
}

export function resolveOptions(options: FeatureTrackerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TrackerConfigError('createFeatureTracker needs an options object with a catalog')
  }
  const limits = checkLimits(options.limits)
  const categories = checkCatalog(options.catalog, limits.maxValueLength)

  if (options.recorder !== undefined && !hasMethods(options.recorder, RECORDER_METHODS)) {
    throw new TrackerConfigError(`recorder must implement ${RECORDER_METHODS.join(', ')}`)
  }
  if (options.adoptionStore !== undefined && !hasMethods(options.adoptionStore, STORE_METHODS)) {
    throw new TrackerConfigError(`adoptionStore must implement ${STORE_METHODS.join(', ')}`)
  }
  if (options.activeUsers !== undefined && !hasMethods(options.activeUsers, ['mark', 'points'])) {
    throw new TrackerConfigError('activeUsers must implement mark, points')
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TrackerConfigError('now must be a function returning epoch milliseconds')
  }
  if (options.onStageReached !== undefined && typeof options.onStageReached !== 'function') {
    throw new TrackerConfigError('onStageReached must be a function')
  }
  if (options.tenantBudget !== undefined) {
    if (!(options.tenantBudget instanceof TenantBudget))
      throw new TrackerConfigError('tenantBudget must be a TenantBudget (e.g. aggregator.tenantBudget)')
    if ((options.limits as Partial<TrackerLimits> | undefined)?.maxTenants !== undefined)
      throw new TrackerConfigError(
        'give limits.maxTenants or tenantBudget, not both: the budget has its own size',
      )
  }
  const meterProvider = options.meterProvider ?? metrics.getMeterProvider()
  if (options.recorder === undefined && typeof meterProvider?.getMeter !== 'function') {
    throw new TrackerConfigError('meterProvider must be an OpenTelemetry MeterProvider')
  }

  return {
    categories,
    recorder: options.recorder ?? new OtelRecorder(meterProvider),
    store: options.adoptionStore ?? new InMemoryAdoptionStore({ maxEntries: 100_000 }),
    activeUsers: options.activeUsers ?? new InMemoryActiveUsers(),
    now: options.now ?? Date.now,
    thresholds: checkThresholds(options.thresholds ?? DEFAULT_ADOPTION_THRESHOLDS),
    onStageReached: options.onStageReached,
    limits,
    tenantBudget: options.tenantBudget ?? new TenantBudget(limits.maxTenants),
  }
}
