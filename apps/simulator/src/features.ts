/**
 * The features the simulator plays and the page elements a person clicks in each. How to call a
 * feature (route, method, plan gating, a valid and an invalid call) is not repeated here: it comes
 * from the server's `GET /api/features`.
 */

export const FEATURE_NAMES = [
  'dashboard_create',
  'dashboard_share',
  'search',
  'report_export',
  'alert_create',
  'integration_connect',
  'team_invite',
  'api_key_create',
  'data_import',
  'audit_log_export',
  'sso_configure',
] as const

export type FeatureName = (typeof FEATURE_NAMES)[number]

/** How to call a feature, as `GET /api/features` serves it (see the API's catalog). */
export interface CallInput {
  readonly body?: unknown
  readonly query?: Readonly<Record<string, string>>
  /** `:name` path segment -> the kind of object whose id fills it (e.g. `dashboard`). */
  readonly params?: Readonly<Record<string, string>>
}

/** What a tenant has created, by kind, to fill `:name` path segments (never written to the ledger). */
export interface TenantContext {
  dashboards: string[]
}

/** The id kinds the simulator can fill in, from what the tenant created so far. */
export const ID_KINDS = {
  dashboard: (context: TenantContext) => context.dashboards.at(-1),
} as const satisfies Record<string, (context: TenantContext) => string | undefined>

/** ui.element ids clicked in each feature's page (a small fixed set, as in a real UI). */
export const FEATURE_ELEMENTS: Readonly<Record<FeatureName, readonly string[]>> = {
  dashboard_create: ['new-dashboard', 'template-picker', 'save-dashboard'],
  dashboard_share: ['share-button', 'share-email', 'share-send'],
  search: ['search-box', 'search-result'],
  report_export: ['export-menu', 'format-select', 'download'],
  alert_create: ['new-alert', 'metric-picker', 'threshold-input', 'save-alert'],
  integration_connect: ['integrations-tab', 'provider-card', 'connect-button'],
  team_invite: ['invite-button', 'invite-email', 'role-select'],
  api_key_create: ['developer-tab', 'new-key', 'copy-key'],
  data_import: ['import-button', 'file-drop', 'start-import'],
  audit_log_export: ['audit-tab', 'export-audit'],
  sso_configure: ['security-tab', 'sso-provider', 'save-sso'],
}
