import {
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions'
import type { DefaultContext, DefaultState, Middleware, ParameterizedContext } from 'koa'
import { statusOfError } from './outcome.ts'
import { REQUEST_ROOT } from './request-context.ts'

export interface ServerSpanOptions {
  /** Default: the global tracer provider's `@feature-analytics/tracker-koa` tracer. */
  tracer?: Tracer
}

/** The route template @koa/router matched (`/api/reports/:id`), never the raw path with its ids. */
function routeOf(ctx: ParameterizedContext): string | undefined {
  const route = (ctx as { _matchedRoute?: unknown })._matchedRoute
  return typeof route === 'string' ? route : undefined
}

/**
 * Application middleware (`app.use(serverSpan())`, first): one SERVER span per request, the child
 * of the caller's W3C `traceparent` when there is one, active while the rest of the app runs, so
 * `trackFeature` puts `feature.name`, `tenant.id`, `user.plan` and `user.id` on it and the
 * aggregator can take exemplars from it. Named `METHOD /route/template` once routing is done.
 * Whether it is recorded is the tracer provider's sampler's call. An unsampled request (nine in
 * ten at the default ratio) pays the span start (ids and the sampler's decision) and one context
 * switch, so that spans started below it and outgoing calls follow its decision; nothing else is
 * built for it, and no promise beyond the app's own. Its contexts start from REQUEST_ROOT, whose
 * `setValue` adds one link where the API's ROOT_CONTEXT copies a Map. A sampled one gets its
 * attributes in one call when it ends. A 5xx (or a thrown error) marks it as an error, which is what the
 * Collector's tail sampler keeps; 4xx is the client's error, not the server's (OpenTelemetry's
 * HTTP conventions).
 */
export function serverSpan<StateT = DefaultState, ContextT = DefaultContext>(
  options: ServerSpanOptions = {},
): Middleware<StateT, ContextT> {
  const tracer = options.tracer ?? trace.getTracer('@feature-analytics/tracker-koa')
  return function serverSpanMiddleware(ctx, next) {
    const parent = propagation.extract(REQUEST_ROOT, ctx.headers)
    const span = tracer.startSpan(ctx.method, { kind: SpanKind.SERVER }, parent)
    const active = trace.setSpan(parent, span)
    if (!span.isRecording()) return context.with(active, next)
    return recorded(span, ctx as unknown as ParameterizedContext, () => context.with(active, next))
  }
}

/** The sampled path: runs the app, then sets the span's attributes, name and status, and ends it. */
async function recorded(span: Span, ctx: ParameterizedContext, run: () => Promise<unknown>): Promise<void> {
  let status = 500
  try {
    await run()
    status = ctx.status
  } catch (error) {
    status = statusOfError(error)
    span.recordException(error instanceof Error ? error : String(error))
    span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'Error')
    throw error
  } finally {
    const route = routeOf(ctx)
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: ctx.method,
      [ATTR_URL_PATH]: ctx.path,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
      ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
    })
    if (route !== undefined) span.updateName(`${ctx.method} ${route}`)
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `status ${status}` })
    span.end()
  }
}
