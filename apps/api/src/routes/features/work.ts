/**
 * How much work each feature does for a call, from what it handles (see src/work.ts). One row per
 * feature: the type checker refuses a feature without one. Sizes are lines rendered and compressed:
 * exports grow with the tenant's records, an import with its rows, a search with what it scans;
 * single-record writes do a small fixed amount.
 */
import type { Context, Middleware } from 'koa'
import { authOf } from '../../auth/session.ts'
import type { FeatureName } from '../../catalog.ts'
import type { Store } from '../../store/types.ts'
import { doWork, workFactor } from '../../work.ts'

interface WorkSpec {
  /** The child span's name. */
  step: string
  units: (ctx: Context, store: Store, tenantId: string) => Promise<number>
}

const count = async (store: Store, tenantId: string, ...kinds: ('dashboard' | 'alert' | 'audit')[]) => {
  const lists = await Promise.all(kinds.map((kind) => store.list(kind, tenantId)))
  return lists.reduce((sum, list) => sum + list.length, 0)
}
const fixed =
  (units: number): WorkSpec['units'] =>
  async () =>
    units
const ROW_LINES = 200

export const FEATURE_WORK: Record<FeatureName, WorkSpec> = {
  // A report has a line per day of the last month for each dashboard, alert and audit entry.
  report_export: {
    step: 'report.render',
    units: async (_ctx, store, tenant) => 30 * (await count(store, tenant, 'dashboard', 'alert', 'audit')),
  },
  audit_log_export: {
    step: 'audit_log.render',
    units: async (_ctx, store, tenant) => 10 * (await count(store, tenant, 'audit')),
  },
  // Each imported row is validated, normalised and indexed.
  data_import: {
    step: 'import.index',
    units: async (ctx) => {
      const rows = (ctx.request.body as { rows?: unknown } | undefined)?.rows
      return ROW_LINES * (Array.isArray(rows) ? rows.length : 1)
    },
  },
  search: {
    step: 'search.scan',
    units: async (_ctx, store, tenant) => 20 * (await count(store, tenant, 'dashboard', 'alert')),
  },
  dashboard_create: { step: 'dashboard.layout', units: fixed(300) },
  dashboard_share: { step: 'dashboard.snapshot', units: fixed(600) },
  alert_create: { step: 'alert.backtest', units: fixed(800) },
  integration_connect: { step: 'integration.sync', units: fixed(1000) },
  team_invite: { step: 'invite.render', units: fixed(100) },
  api_key_create: { step: 'api_key.derive', units: fixed(100) },
  sso_configure: { step: 'sso.metadata', units: fixed(400) },
}

/**
 * Route middleware after trackFeature: checks X-Work-Factor first (a bad one is a 400 before the
 * handler changes anything), then, once the handler succeeded, does the feature's work (unless
 * `enabled` is false: AppOptions.featureWork).
 */
export const featureWork =
  (feature: FeatureName, store: Store, enabled = true): Middleware =>
  async (ctx, next) => {
    workFactor(ctx)
    await next()
    if (ctx.status >= 400 || !enabled) return
    const spec = FEATURE_WORK[feature]
    await doWork(ctx, spec.step, await spec.units(ctx, store, authOf(ctx).tenant.id))
  }
