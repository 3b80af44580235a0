/**
 * `POST /v1/metrics`: the same-origin OTLP/JSON ingest the browser tracker exports to. Checks run
 * cheapest first (session, rate, content type, size) so abuse is refused before any parsing.
 */
import { Router } from '@koa/router'
import type { Context } from 'koa'
import { authenticate, authOf } from '../auth/session.ts'
import { jsonBody } from '../body.ts'
import { HttpError } from '../errors.ts'
import { Envelope } from '../ingest/otlp.ts'
import type { TokenBucketLimiter } from '../ingest/rate-limit.ts'
import type { SessionLimits } from '../ingest/session-budget.ts'
import { BrowserIngest, type IngestSink, partialSuccess } from '../ingest/translate.ts'
import type { Services } from '../services.ts'
import { parseInput } from '../validate.ts'

/** The browser's keepalive budget; a tracker splits larger exports, so more is not a real client. */
export const INGEST_BODY_LIMIT = 64 * 1024

export const ingestRoutes = (
  services: Services,
  sink: IngestSink,
  limiter: TokenBucketLimiter,
  sessionLimits: SessionLimits = {},
): Router => {
  const router = new Router()
  const ingest = new BrowserIngest(sink, services.now, sessionLimits, services.tracker)
  const parseBody = jsonBody(INGEST_BODY_LIMIT)

  router.post(
    '/v1/metrics',
    authenticate(services.sessions),
    async (ctx: Context, next) => {
      const decision = limiter.take(authOf(ctx).user.id, services.now())
      if (!decision.allowed) {
        throw new HttpError(429, 'rate_limited', 'too many metric exports: retry later', {
          headers: { 'Retry-After': String(decision.retryAfterSeconds) },
          details: { retryAfterSeconds: decision.retryAfterSeconds },
        })
      }
      if (!ctx.is('application/json')) {
        throw new HttpError(
          415,
          'unsupported_media_type',
          'send OTLP/JSON with content-type application/json',
        )
      }
      await next()
    },
    parseBody,
    async (ctx: Context) => {
      const request = parseInput(Envelope, ctx.request.body)
      const { tenant, user, tokenHash } = authOf(ctx)
      const caller = { tenantId: tenant.id, plan: tenant.plan, userId: user.id, session: tokenHash }
      ctx.body = partialSuccess(await ingest.ingest(request, caller))
    },
  )
  return router
}
