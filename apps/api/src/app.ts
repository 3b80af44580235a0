/**
 * createApp(deps) builds the Koa application from its parts; it opens no port and starts no timers,
 * so tests run it on an ephemeral port with their own telemetry, and main.ts runs it for real.
 */

import { type AdoptionStore, createFeatureTracker, type FeatureRecorder } from '@feature-analytics/tracker'
import { featureTracking } from '@feature-analytics/tracker-koa'
import { bodyParser } from '@koa/bodyparser'
import { Router } from '@koa/router'
import Koa from 'koa'
import type { Logger } from 'pino'
import { DEFAULT_PASSWORD_COST } from './auth/passwords.ts'
import { trackerCatalog } from './catalog.ts'
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

/** Where feature metrics go: tracker-node's FeatureAggregator is both a recorder and the ingest's sink. */
export type Aggregation = FeatureRecorder & IngestSink

export interface AppOptions {
  webDist?: string | undefined
  cookieSecure?: boolean
  sessionTtlMs?: number
  ingest?: { ratePerSecond: number; burst: number }
  maxTenants?: number
  /**
   * scrypt N for new password hashes (a power of two). The default costs about 50 ms per hash on
   * purpose; only a run that creates thousands of throwaway accounts (the validation study)
   * should lower it.
   */
  passwordCost?: number
}

export interface AppDeps {
  aggregation: Aggregation
  store?: Store
  adoptionStore?: AdoptionStore | undefined
  logger?: Logger
  readiness?: Readiness
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
    limits: { maxTenants: options.maxTenants ?? 1000 },
  })
  const services: Services = {
    store,
    tracker,
    logger,
    now,
    passwordCost: options.passwordCost ?? DEFAULT_PASSWORD_COST,
    sessions: {
      store,
      now,
      ttlMs: options.sessionTtlMs ?? 7 * 24 * 3_600_000,
      secureCookie: options.cookieSecure ?? false,
    },
  }
  const trackFeature = featureTracking(tracker)
  const limiter = new TokenBucketLimiter(options.ingest ?? { ratePerSecond: 2, burst: 30 })
  const apiBody = bodyParser({ enableTypes: ['json'], jsonLimit: API_BODY_LIMIT })

  const app = new Koa()
  // Errors outside the middleware chain (a socket failing mid-response) would otherwise go to stderr.
  app.on('error', (err: unknown) => logger.warn({ err }, 'response error'))
  app.use(requestLog(logger))
  app.use(errorHandler(logger))
  app.use(securityHeaders)
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
    ingestRoutes(services, deps.aggregation, limiter),
  ]) {
    root.use(router.routes())
  }
  app.use(root.routes())
  app.use(root.allowedMethods())
  const web = options.webDist ? webFrontend(options.webDist) : undefined
  if (web) app.use(web)
  return app
}
