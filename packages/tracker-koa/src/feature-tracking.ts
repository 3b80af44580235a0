import { ATTR, type Plan } from '@feature-analytics/schema'
import type { FeatureTracker } from '@feature-analytics/tracker'
import { RESOLVED } from '@feature-analytics/tracker/internal'
import { context, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import type { DefaultContext, DefaultState, Middleware, ParameterizedContext } from 'koa'
import { defaultOutcome, type RequestOutcome, statusOfError } from './outcome.ts'

export interface TrackedUser {
  userId: string
  tenantId: string
  plan: Plan
}

export interface FeatureTrackingOptions<StateT = DefaultState, ContextT = DefaultContext> {
  /** Default: `ctx.state.user`. Asked before the handler and, if it had no answer, again after. */
  resolveUser?: (ctx: ParameterizedContext<StateT, ContextT>) => TrackedUser | undefined
  /** Open the span `feature.<name>` around the handler. Default false (a span per call costs throughput). */
  childSpan?: boolean
  /** Default: the global tracer provider's `@feature-analytics/tracker-koa` tracer. */
  tracer?: Tracer
  /** Maps the final status to an outcome; default `defaultOutcome` (401/402/403 skip, >= 400 error). */
  outcome?: (status: number) => RequestOutcome
  /**
   * How long the response waits, at most, for the adoption store to acknowledge the use. Default
   * 1000. With a store shared by replicas (Redis) the answer then leaves only once the use is in
   * the store, so a billing decision the client makes next, on any replica, counts it. Past the
   * wait (the store is down or stalled) the call is answered anyway and the use lands when the
   * store answers; 0 never waits. A store that answers synchronously (in memory) costs no wait.
   */
  storeWaitMs?: number
}

const defaultResolveUser = (ctx: { state: unknown }): TrackedUser | undefined =>
  (ctx.state as { user?: TrackedUser } | undefined)?.user

function resolveSafely<C>(resolve: (ctx: C) => TrackedUser | undefined, ctx: C): TrackedUser | undefined {
  try {
    return resolve(ctx)
  } catch {
    // A broken resolver must not break the request; the call just goes unrecorded.
    return undefined
  }
}

function tagSpan(span: Span | undefined, feature: string, user: TrackedUser): void {
  if (span === undefined || !span.isRecording()) return
  span.setAttributes({
    [ATTR.featureName]: feature,
    [ATTR.tenantId]: String(user.tenantId),
    [ATTR.userId]: String(user.userId),
    [ATTR.userPlan]: String(user.plan),
  })
}

/** Resolves when `pending` does or after `ms`, whichever comes first. */
function within(pending: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Returns `trackFeature(name)`: route middleware that times the handlers after it and records the
 * call as one use of `name`, with user, tenant and plan from `resolveUser`. A throwing handler is
 * recorded as outcome=error and the error is rethrown untouched.
 */
export function featureTracking<StateT = DefaultState, ContextT = DefaultContext>(
  tracker: FeatureTracker,
  options: FeatureTrackingOptions<StateT, ContextT> = {},
) {
  const resolveUser = options.resolveUser ?? defaultResolveUser
  const outcomeOf = options.outcome ?? defaultOutcome
  const tracer = options.tracer ?? trace.getTracer('@feature-analytics/tracker-koa')
  const withChildSpan = options.childSpan === true
  const storeWaitMs = options.storeWaitMs ?? 1000
  if (!Number.isFinite(storeWaitMs) || storeWaitMs < 0)
    throw new RangeError(`storeWaitMs must be a number of milliseconds >= 0, got ${String(storeWaitMs)}`)

  return function trackFeature(feature: string): Middleware<StateT, ContextT> {
    const spanName = `feature.${feature}`
    return async function featureMiddleware(ctx, next) {
      // Asked before the handler too: a handler may clear the user it acted for (a logout, say).
      let user = resolveSafely(resolveUser, ctx)
      const started = performance.now()
      // The span takes the timer's own instants, so its duration is the recorded latency exactly,
      // however long the process is descheduled between stopping the timer and ending the span.
      const childSpan = withChildSpan
        ? tracer.startSpan(spanName, { startTime: performance.timeOrigin + started })
        : undefined
      let status = 500
      let failure: unknown
      let stored: Promise<void> = RESOLVED
      try {
        if (childSpan) await context.with(trace.setSpan(context.active(), childSpan), next)
        else await next()
        status = ctx.status
      } catch (error) {
        failure = error
        status = statusOfError(error)
        throw error
      } finally {
        const ended = performance.now()
        const durationMs = ended - started
        const outcome = outcomeOf(status)
        user ??= resolveSafely(resolveUser, ctx)
        if (user) {
          if (outcome !== 'skip') {
            const { userId, tenantId, plan } = user
            const track = () =>
              tracker.trackFeatureUsed({ feature, userId, tenantId, plan, durationMs, outcome })
            // Recorded inside the child span, so an exemplar names the span that timed this call.
            stored = childSpan ? context.with(trace.setSpan(context.active(), childSpan), track) : track()
          }
          // Span attributes are exported when a span ends, so tagging here, once, is enough.
          tagSpan(trace.getActiveSpan(), feature, user)
          tagSpan(childSpan, feature, user)
        }
        if (childSpan) {
          if (failure !== undefined) {
            childSpan.recordException(failure instanceof Error ? failure : String(failure))
          }
          if (outcome === 'error') {
            childSpan.setStatus({ code: SpanStatusCode.ERROR, message: `status ${status}` })
          }
          childSpan.end(performance.timeOrigin + ended)
        }
        // The answer waits for the store (one round trip to a shared one): a response sent before
        // the use reached the store lets the client's next request, on another replica, read the
        // tenant's features without it. The promise never rejects.
        if (stored !== RESOLVED && storeWaitMs > 0) await within(stored, storeWaitMs)
      }
    }
  }
}
