/**
 * Mounts the catalog's features: each at its catalog method and path, behind authentication, then
 * plan gating, then the tracker. That order is the contract: only calls the plan allows count as
 * usage, and a validation error inside the handler is usage with feature.outcome=error. The
 * feature's work (src/work.ts) runs inside the tracked time, so it is in the latency metric and in
 * the request's trace as a child span.
 */
import { Router } from '@koa/router'
import type { Middleware } from 'koa'
import { authenticate } from '../../auth/session.ts'
import { FEATURE_NAMES, FEATURES, type FeatureName } from '../../catalog.ts'
import { featureGate } from '../../gating.ts'
import type { Services } from '../../services.ts'
import { alertHandlers } from './alerts.ts'
import { apiKeyHandlers } from './api-keys.ts'
import { auditLogHandlers } from './audit-log.ts'
import { dashboardHandlers } from './dashboards.ts'
import type { FeatureHandlers } from './handler.ts'
import { importHandlers } from './imports.ts'
import { integrationHandlers } from './integrations.ts'
import { reportHandlers } from './reports.ts'
import { searchHandlers } from './search.ts'
import { ssoHandlers } from './sso.ts'
import { teamHandlers } from './team.ts'
import { featureWork } from './work.ts'

export const featureRoutes = (
  services: Services,
  trackFeature: (feature: FeatureName) => Middleware,
): Router => {
  const handlers: FeatureHandlers<FeatureName> = {
    ...dashboardHandlers(services),
    ...searchHandlers(services),
    ...reportHandlers(services),
    ...alertHandlers(services),
    ...integrationHandlers(services),
    ...teamHandlers(services),
    ...apiKeyHandlers(services),
    ...importHandlers(services),
    ...auditLogHandlers(services),
    ...ssoHandlers(services),
  }
  const router = new Router()
  const signedIn = authenticate(services.sessions)
  for (const name of FEATURE_NAMES) {
    const { method, path } = FEATURES[name]
    router.register(
      path,
      [method],
      [
        signedIn,
        featureGate(name),
        trackFeature(name),
        featureWork(name, services.store, services.featureWork),
        handlers[name],
      ],
      { name },
    )
  }
  return router
}
