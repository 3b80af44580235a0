import {
  ADOPTION_STAGES,
  type AdoptionStage,
  ATTR,
  type BillingDecision,
  type DropReason,
  isPlan,
  OTHER_TENANT,
  type Outcome,
  PLANS,
  type Plan,
  RETENTION_OUTCOMES,
  type RetentionOutcome,
  usageBand,
} from '@feature-analytics/schema'
import type { MaybePromise } from './adoption-store.ts'
import { DistinctUsers } from './distinct-users.ts'
import { idProblem, isDuration, isThenable } from './inputs.ts'
import {
  type FeatureTrackerOptions,
  type ResolvedOptions,
  resolveOptions,
  type StageReached,
} from './options.ts'
import type { TenantBudget } from './tenant-budget.ts'

export interface FeatureUsedEvent {
  feature: string
  userId: string
  tenantId: string
  plan: Plan
  /** Omit when there is no latency to report; a bad value keeps the usage and drops the latency. */
  durationMs?: number
  /** Default 'success'. */
  outcome?: Outcome
}

export interface PlanChangeEvent {
  tenantId: string
  from: Plan
  to: Plan
}

export interface RetentionEvent {
  tenantId: string
  plan: Plan
  outcome: RetentionOutcome
}

export interface SessionUser {
  userId: string
  plan: Plan
}

export interface FeatureSession {
  /** Idempotent: only the first call decrements product.feature.active_users. */
  end(): void
}

export interface FeatureTracker {
  /** Records usage and latency at once; resolves after adoption bookkeeping. Never throws or rejects. */
  trackFeatureUsed(event: FeatureUsedEvent): Promise<void>
  /** Counts a session on the feature's page (and makes its user active on the feature today). */
  startFeatureSession(feature: string, user: SessionUser): FeatureSession
  /**
   * Counts the user active on the feature today, for product.feature.distinct_users (distinct
   * users per feature, plan and window; no user id reaches a metric). Never throws.
   */
  trackActiveUser(feature: string, user: SessionUser): void
  trackPlanChange(change: PlanChangeEvent): Promise<void>
  trackRetention(event: RetentionEvent): Promise<void>
  /** Catalog feature name -> category. */
  readonly features: ReadonlyMap<string, string>
}

/**
 * What trackFeatureUsed returns when its adoption bookkeeping finished synchronously (the in-memory
 * store): a caller that waits for the store (tracker-koa) knows there is nothing to wait for and
 * arms no timer.
 */
export const RESOLVED: Promise<void> = Promise.resolve()
const noop = (): void => {}
const NOOP_SESSION: FeatureSession = Object.freeze({ end: noop })

type Fields<T> = { [K in keyof T]?: unknown }

export function createFeatureTracker(options: FeatureTrackerOptions): FeatureTracker {
  return new Tracker(resolveOptions(options))
}

class Tracker implements FeatureTracker {
  readonly features: ReadonlyMap<string, string>
  #o: ResolvedOptions
  #budget: TenantBudget
  #users = new DistinctUsers()
  /** Thresholds rise strictly, so each count reaches at most one stage; one use adds exactly 1. */
  #stageAt: ReadonlyMap<number, AdoptionStage>

  constructor(options: ResolvedOptions) {
    this.#o = options
    this.features = options.categories
    this.#budget = options.tenantBudget
    this.#stageAt = new Map(ADOPTION_STAGES.map((stage) => [options.thresholds[stage], stage]))
    options.recorder.observe('users', () => this.#users.points())
    options.recorder.observe('distinctUsers', () => options.activeUsers.points(options.now()))
  }

  trackFeatureUsed(event: FeatureUsedEvent): Promise<void> {
    try {
      return this.#trackFeatureUsed(event as unknown)
    } catch {
      // Only hostile input gets here (a throwing getter, a proxy): refuse it like any bad value.
      return this.#refuse('invalid_value')
    }
  }

  #trackFeatureUsed(event: unknown): Promise<void> {
    if (typeof event !== 'object' || event === null) return this.#refuse('invalid_value')
    const {
      feature,
      userId,
      tenantId,
      plan,
      durationMs,
      outcome = 'success',
    } = event as Fields<FeatureUsedEvent>
    const category = typeof feature === 'string' ? this.#o.categories.get(feature) : undefined
    if (category === undefined) return this.#refuse('unknown_feature')
    const max = this.#o.limits.maxValueLength
    const problem = idProblem(userId, max) ?? idProblem(tenantId, max)
    if (problem !== undefined) return this.#refuse(problem)
    if (!isPlan(plan)) return this.#refuse('unknown_plan')
    if (outcome !== 'success' && outcome !== 'error') return this.#refuse('invalid_value')
    const name = feature as string
    const user = userId as string
    const tenant = tenantId as string

    const recorder = this.#o.recorder
    let seriesTenant = tenant
    if (!this.#budget.admit(tenant)) {
      seriesTenant = OTHER_TENANT
      this.#drop('tenant_budget_exceeded')
    }
    // Literal keys on the per-event path: V8 builds such an object from a template, where computed
    // keys (ATTR.*) cost a map transition each. The type checker still holds the names to the table.
    const usage = {
      'feature.name': name,
      'feature.category': category,
      'user.plan': plan,
      'tenant.id': seriesTenant,
      'feature.outcome': outcome,
    } as const
    recorder.record('usage', usage, 1)
    if (isDuration(durationMs)) {
      // tenant.id goes on the exemplar only (the real tenant, not `_other`): no series per tenant.
      const latency = {
        'feature.name': name,
        'feature.category': category,
        'user.plan': plan,
        'tenant.id': tenant,
      } as const
      recorder.record('latency', latency, durationMs)
    } else if (durationMs !== undefined) this.#drop('invalid_value')
    this.#users.add(name, plan, user)
    // Adoption, prior usage and retention describe features people actually used: a failed call
    // counts as usage (outcome=error) but moves no one toward a stage.
    if (outcome === 'error') return RESOLVED
    return this.#adopt(user, tenant, name, plan)
  }

  #adopt(userId: string, tenantId: string, feature: string, plan: Plan): Promise<void> {
    const store = this.#o.store
    // Both calls are made even if one fails: a count that was added must still fire its stages.
    let count: MaybePromise<number> | undefined
    let marked: MaybePromise<void> | undefined
    let failed = false
    try {
      count = store.add(userId, feature, 1)
    } catch {
      failed = true
    }
    try {
      marked = store.markTenantFeature(tenantId, feature)
    } catch {
      failed = true
    }
    if (isThenable(count) || isThenable(marked)) {
      return this.#adoptLater(count, marked, failed, userId, tenantId, feature, plan)
    }
    // The in-memory store answers synchronously: no promise chain at all on this path.
    if (failed) this.#drop('store_error')
    if (count === undefined) return RESOLVED
    return this.#stages(count, userId, tenantId, feature, plan) ?? RESOLVED
  }

  async #adoptLater(
    count: MaybePromise<number> | undefined,
    marked: MaybePromise<void> | undefined,
    failed: boolean,
    userId: string,
    tenantId: string,
    feature: string,
    plan: Plan,
  ): Promise<void> {
    const [added, mark] = await Promise.allSettled([count, marked])
    // One store_error per event, however many of its store calls failed.
    if (failed || added.status === 'rejected' || mark.status === 'rejected') this.#drop('store_error')
    if (added.status === 'fulfilled' && added.value !== undefined) {
      await this.#stages(added.value, userId, tenantId, feature, plan)
    }
  }

  #stages(count: unknown, userId: string, tenantId: string, feature: string, plan: Plan) {
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
      this.#drop('store_error')
      return undefined
    }
    // One use moves the count by 1, so it crosses a threshold only by landing on it
    // (what stagesCrossed says for n = 1); an atomic add hands each count to exactly one use.
    const stage = this.#stageAt.get(count)
    if (stage === undefined) return undefined
    try {
      const attributes = { [ATTR.featureName]: feature, [ATTR.adoptionStage]: stage, [ATTR.userPlan]: plan }
      this.#o.recorder.record('adoptionStage', attributes, 1)
    } catch {
      // A recorder that throws cannot count its own failure; the promise must still resolve.
    }
    return this.#hook({ userId, tenantId, feature, stage, plan, count })
  }

  #hook(event: StageReached): Promise<void> | undefined {
    const hook = this.#o.onStageReached
    if (hook === undefined) return undefined
    try {
      const result = hook(event)
      if (isThenable(result)) return Promise.resolve(result).then(noop, () => this.#drop('hook_error'))
    } catch {
      this.#drop('hook_error')
    }
    return undefined
  }

  startFeatureSession(feature: string, user: SessionUser): FeatureSession {
    try {
      const category = typeof feature === 'string' ? this.#o.categories.get(feature) : undefined
      if (category === undefined) return this.#refuseSession('unknown_feature')
      const { userId, plan } = (user ?? {}) as Fields<SessionUser>
      const problem = idProblem(userId, this.#o.limits.maxValueLength)
      if (problem !== undefined) return this.#refuseSession(problem)
      if (!isPlan(plan)) return this.#refuseSession('unknown_plan')
      const recorder = this.#o.recorder
      const attributes = { [ATTR.featureName]: feature, [ATTR.userPlan]: plan }
      recorder.record('activeUsers', attributes, 1)
      this.#markActive(feature as string, plan, userId as string)
      let open = true
      return {
        end: () => {
          if (!open) return
          open = false
          recorder.record('activeUsers', attributes, -1)
        },
      }
    } catch {
      return this.#refuseSession('invalid_value')
    }
  }

  trackActiveUser(feature: string, user: SessionUser): void {
    let refused: DropReason | undefined
    try {
      const category = typeof feature === 'string' ? this.#o.categories.get(feature) : undefined
      const { userId, plan } = (user ?? {}) as Fields<SessionUser>
      refused =
        category === undefined
          ? 'unknown_feature'
          : (idProblem(userId, this.#o.limits.maxValueLength) ?? (isPlan(plan) ? undefined : 'unknown_plan'))
      if (refused === undefined) this.#markActive(feature, plan as Plan, userId as string)
    } catch {
      refused = 'invalid_value'
    }
    if (refused !== undefined) this.#drop(refused)
  }

  #markActive(feature: string, plan: Plan, userId: string): void {
    try {
      this.#o.activeUsers.mark(feature, plan, userId, this.#o.now())
    } catch {
      this.#drop('store_error')
    }
  }

  trackPlanChange(change: PlanChangeEvent): Promise<void> {
    return this.#planChange(change as unknown).catch(() => this.#drop('invalid_value'))
  }

  async #planChange(change: unknown): Promise<void> {
    if (typeof change !== 'object' || change === null) return this.#drop('invalid_value')
    const { tenantId, from, to } = change as Fields<PlanChangeEvent>
    const problem = idProblem(tenantId, this.#o.limits.maxValueLength)
    if (problem !== undefined) return this.#drop(problem)
    if (!isPlan(from) || !isPlan(to)) return this.#drop('unknown_plan')
    // Staying on the same plan is not a change: counting it would inflate upgrade analytics.
    if (from === to) return this.#drop('invalid_value')
    const tenant = tenantId as string

    const recorder = this.#o.recorder
    recorder.record('planChange', { [ATTR.planFrom]: from, [ATTR.planTo]: to }, 1)
    const decision = PLANS.indexOf(to) > PLANS.indexOf(from) ? 'upgrade' : 'downgrade'
    await this.#decision(tenant, from, decision, (feature) => {
      const attributes = { [ATTR.featureName]: feature, [ATTR.planFrom]: from, [ATTR.planTo]: to }
      recorder.record('upgradePriorUsage', attributes, 1)
    })
  }

  trackRetention(event: RetentionEvent): Promise<void> {
    return this.#retention(event as unknown).catch(() => this.#drop('invalid_value'))
  }

  async #retention(event: unknown): Promise<void> {
    if (typeof event !== 'object' || event === null) return this.#drop('invalid_value')
    const { tenantId, plan, outcome } = event as Fields<RetentionEvent>
    const problem = idProblem(tenantId, this.#o.limits.maxValueLength)
    if (problem !== undefined) return this.#drop(problem)
    if (!isPlan(plan)) return this.#drop('unknown_plan')
    if (!RETENTION_OUTCOMES.includes(outcome as RetentionOutcome)) return this.#drop('invalid_value')

    const decision = outcome === 'retained' ? 'renewal' : 'cancellation'
    await this.#decision(tenantId as string, plan, decision, (feature) => {
      const attributes = {
        [ATTR.featureName]: feature,
        [ATTR.userPlan]: plan,
        [ATTR.retentionOutcome]: outcome as RetentionOutcome,
      }
      this.#o.recorder.record('retentionOutcome', attributes, 1)
    })
  }

  /**
   * A billing decision: counted per plan, and once more per feature the tenant used since its
   * previous decision, in the band of how much it used it. Then the tenant starts afresh, so the
   * next decision sees only what came after this one.
   */
  async #decision(
    tenantId: string,
    plan: Plan,
    decision: BillingDecision,
    perFeature: (feature: string) => void,
  ): Promise<void> {
    const recorder = this.#o.recorder
    recorder.record('billingDecision', { [ATTR.userPlan]: plan, [ATTR.billingDecision]: decision }, 1)
    const features = await this.#takeTenantFeatures(tenantId)
    for (const [feature, calls] of features) {
      perFeature(feature)
      const attributes = {
        [ATTR.featureName]: feature,
        [ATTR.userPlan]: plan,
        [ATTR.billingDecision]: decision,
        [ATTR.usageBand]: usageBand(calls),
      }
      recorder.record('decisionFeatureUse', attributes, 1)
    }
  }

  /** The tenant's catalog features and use counts, taken from the store; none (store_error counted) if it failed. */
  async #takeTenantFeatures(tenantId: string): Promise<[string, number][]> {
    let features: unknown
    try {
      features = await this.#o.store.takeTenantFeatures(tenantId)
    } catch {
      features = undefined
    }
    if (typeof features !== 'object' || features === null || Array.isArray(features)) {
      this.#drop('store_error')
      return []
    }
    return Object.entries(features).filter(
      (entry): entry is [string, number] =>
        this.#o.categories.has(entry[0]) && Number.isSafeInteger(entry[1]) && entry[1] > 0,
    )
  }

  #refuse(reason: DropReason): Promise<void> {
    this.#drop(reason)
    return RESOLVED
  }

  #refuseSession(reason: DropReason): FeatureSession {
    this.#drop(reason)
    return NOOP_SESSION
  }

  #drop(reason: DropReason): void {
    try {
      this.#o.recorder.record('dropped', { [ATTR.reason]: reason }, 1)
    } catch {
      // Nothing left to count with; refusing quietly beats throwing into the caller.
    }
  }
}
