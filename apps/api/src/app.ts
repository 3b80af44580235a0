/**
 * createApp(deps) builds the Koa application from its parts; it opens no port and starts no timers,
 * so tests run it on an ephemeral port with their own telemetry, and main.ts runs it for real.
 */

import {
  type ActiveUsersStore,
  type AdoptionStore,
  createFeatureTracker,
  type FeatureRecorder,
  type TenantBudget,
} from '@feature-analytics/tracker'
import { featureTracking, serverSpan } from '@feature-analytics/tracker-koa'
import { Router } from '@koa/router'
import type { Redis } from 'ioredis'
import Koa from 'koa'
import type { Logger } from 'pino'
import { DEFAULT_PASSWORD_COST } from './auth/passwords.ts'
import { type AuthLimits, AuthThrottle } from './auth/throttle.ts'
import { jsonBody } from './body.ts'
import { trackerCatalog } from './catalog.ts'
import { originCheck } from './csrf.ts'
import { errorHandler } from './errors.ts'
import { TokenBucketLimiter } from './ingest/rate-limit.ts'
import type { IngestSink } from './ingest/translate.ts'
import { createLogger } from './logger.ts'
import { requestLog } from './request-log.ts'
import { authRoutes } from './routes/auth.ts'
import { billingRoutes } from './routes/billing.ts'
import { catalogRoutes } from './routes/catalog.ts'
import { featureRoutes } from './routes/features/index.ts'
import { healthRoutes, type Readiness } from './routes/health.ts'
import { ingestRoutes } from './routes/ingest.ts'
import type { Services } from './services.ts'
import { securityHeaders, webFrontend } from './static.ts'
import { InMemoryStore } from './store/memory.ts'
import type { Store } from './store/types.ts'

/**
 * Where feature metrics go: tracker-node's FeatureAggregator is both a recorder and the ingest's
 * sink, and its tenant budget is the one the tracker uses too.
 */
export type Aggregation = FeatureRecorder & IngestSink & { readonly tenantBudget: TenantBudget }

export interface AppOptions {
  webDist?: string | undefined
  cookieSecure?: boolean
  /** Reverse proxies in front whose X-Forwarded-* headers are believed (TRUST_PROXY); 0: none. */
  trustProxyHops?: number
  /** Origins besides the server's own that may send state-changing requests (ALLOWED_ORIGINS). */
  allowedOrigins?: string[]
  authLimits?: AuthLimits
  sessionTtlMs?: number
  /** Per-user request rate; per-session clicks and visits per 5 minutes (ingest/session-budget.ts). */
  ingest?: { ratePerSecond: number; burst: number; sessionClicks?: number; sessionVisits?: number }
  /**
   * scrypt N for new password hashes (a power of two). The default costs about 50 ms per hash on
   * purpose; only a run that creates thousands of throwaway accounts (the validation study)
   * should lower it.
   */
  passwordCost?: number
  /**
   * false: feature routes skip the synthetic work each feature does (rendering and compressing
   * its rows, which gives latency its realistic shape); X-Work-Factor is still validated. Only a
   * run that measures billing decisions and not latency (the validation study) turns it off.
   */
  featureWork?: boolean
}

export interface AppDeps {
  aggregation: Aggregation
  store?: Store
  adoptionStore?: AdoptionStore | undefined
  /** Distinct active users per day (Redis when replicas share them); in memory when absent. */
  activeUsers?: ActiveUsersStore | undefined
  logger?: Logger
  readiness?: Readiness
  /** Where sign-up and login counters live, shared by replicas; in memory when absent. */
  limiterRedis?: Redis | undefined
  now?: () => number
  options?: AppOptions
}

const API_BODY_LIMIT = '1mb'

export const createApp = (deps: AppDeps): Koa => {
  const options = deps.options ?? {}
  const logger = deps.logger ?? createLogger({ level: 'silent', serviceName: 'saas-api' })
  const now = deps.now ?? Date.now
  const store = deps.store ?? new InMemoryStore()
  const tracker = createFeatureTracker({
    catalog: trackerCatalog(),
    recorder: deps.aggregation,
    ...(deps.adoptionStore ? { adoptionStore: deps.adoptionStore } : {}),
    ...(deps.activeUsers ? { activeUsers: deps.activeUsers } : {}),
    // One budget for usage and browser clicks: a tenant folds into _other in both or in neither.
    tenantBudget: deps.aggregation.tenantBudget,
  })
  const services: Services = {
    store,
    tracker,
    logger,
    now,
    passwordCost: options.passwordCost ?? DEFAULT_PASSWORD_COST,
    featureWork: options.featureWork ?? true,
    sessions: {
      store,
      now,
      ttlMs: options.sessionTtlMs ?? 7 * 24 * 3_600_000,
      secureCookie: options.cookieSecure ?? false,
    },
    throttle: new AuthThrottle(options.authLimits, deps.limiterRedis),
  }
  // A `feature.<name>` span around each handler times exactly what the latency histogram records,
  // so a latency exemplar (which names it) leads to a span of the exemplar's own duration.
  const trackFeature = featureTracking(tracker, { childSpan: true })
  const limiter = new TokenBucketLimiter(options.ingest ?? { ratePerSecond: 2, burst: 30 })
  const apiBody = jsonBody(API_BODY_LIMIT)

  const app = new Koa()
  const hops = options.trustProxyHops ?? 0
  app.proxy = hops > 0
  // The client's address is the one the outermost trusted proxy saw: the last `hops` entries of
  // X-Forwarded-For were added by our proxies, anything before them by the client.
  app.maxIpsCount = hops
  // Errors outside the middleware chain (a socket failing mid-response) would otherwise go to stderr.
  app.on('error', (err: unknown) => logger.warn({ err }, 'response error'))
  // First, so the request's span (sampled by the tracer provider's head sampler) is active for
  // everything after it: trackFeature tags it with the feature, tenant, plan and user.
  app.use(serverSpan())
  app.use(requestLog(logger))
  app.use(errorHandler(logger))
  app.use(securityHeaders)
  app.use(originCheck(options.allowedOrigins))
  // The ingest parses its own body with a 64 KiB limit; everything under /api shares this parser.
  app.use((ctx, next) => (ctx.path.startsWith('/api/') ? apiBody(ctx, next) : next()))
  // One root router, so a known path with the wrong method answers 405 instead of 404.
  const root = new Router()
  for (const router of [
    healthRoutes(deps.readiness ?? { shuttingDown: false }),
    catalogRoutes(),
    authRoutes(services),
    featureRoutes(services, trackFeature),
    billingRoutes(services),
    ingestRoutes(services, deps.aggregation, limiter, {
      ...(options.ingest?.sessionClicks ? { clicks: options.ingest.sessionClicks } : {}),
      ...(options.ingest?.sessionVisits ? { visits: options.ingest.sessionVisits } : {}),
    }),
  ]) {
    root.use(router.routes())
  }
  app.use(root.routes())
  app.use(root.allowedMethods())
  const web = options.webDist ? webFrontend(options.webDist) : undefined
  if (web) app.use(web)
  return app
}
