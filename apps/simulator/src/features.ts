/**
 * How a person would call each feature of the API's catalog: a valid request, a request that must
 * fail validation (sent on purpose), and the page elements they click on the way. Routes, methods
 * and plan gating are not repeated here; they come from the server's `GET /api/features`.
 */
import type { Faker } from '@faker-js/faker'

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

export interface CallInput {
  body?: unknown
  query?: Record<string, string>
  /** Values for `:name` segments of the catalog path. */
  params?: Record<string, string>
}

export interface TenantContext {
  /** Ids the server returned for this tenant's dashboards (never written to the ledger). */
  dashboards: string[]
}

interface FeatureInputs {
  valid(f: Faker, ctx: TenantContext): CallInput
  invalid(f: Faker, ctx: TenantContext): CallInput
  /** ui.element ids clicked in the feature's page (a small fixed set, as in a real UI). */
  elements: readonly string[]
}

const email = (f: Faker) => f.internet.email({ provider: 'example.com' }).toLowerCase()
const words = (f: Faker) => f.lorem.words({ min: 1, max: 3 })
const lastDashboard = (ctx: TenantContext) => ({ id: ctx.dashboards.at(-1) ?? 'none' })

export const FEATURE_INPUTS: Readonly<Record<FeatureName, FeatureInputs>> = {
  dashboard_create: {
    valid: (f) => ({ body: { name: `${f.commerce.department()} ${f.word.noun()}` } }),
    invalid: () => ({ body: { name: '' } }),
    elements: ['new-dashboard', 'template-picker', 'save-dashboard'],
  },
  dashboard_share: {
    valid: (f, ctx) => ({ params: lastDashboard(ctx), body: { email: email(f) } }),
    invalid: (_f, ctx) => ({ params: lastDashboard(ctx), body: { email: 'not-an-email' } }),
    elements: ['share-button', 'share-email', 'share-send'],
  },
  search: {
    valid: (f) => ({ query: { q: words(f) } }),
    invalid: () => ({ query: {} }),
    elements: ['search-box', 'search-result'],
  },
  report_export: {
    valid: (f) => ({ body: { format: f.helpers.arrayElement(['csv', 'pdf', 'xlsx']) } }),
    invalid: () => ({ body: { format: 'docx' } }),
    elements: ['export-menu', 'format-select', 'download'],
  },
  alert_create: {
    valid: (f) => ({
      body: {
        name: `${f.hacker.adjective()} ${f.hacker.noun()}`,
        metric: f.helpers.arrayElement(['cpu.usage', 'memory.used', 'http.errors', 'queue.depth']),
        threshold: f.number.int({ min: 1, max: 1000 }),
      },
    }),
    invalid: (f) => ({ body: { name: f.hacker.noun(), metric: 'cpu.usage', threshold: 'high' } }),
    elements: ['new-alert', 'metric-picker', 'threshold-input', 'save-alert'],
  },
  integration_connect: {
    valid: (f) => ({ body: { provider: f.helpers.arrayElement(['slack', 'github', 'jira', 'salesforce']) } }),
    invalid: () => ({ body: { provider: 'myspace' } }),
    elements: ['integrations-tab', 'provider-card', 'connect-button'],
  },
  team_invite: {
    valid: (f) => ({ body: { email: email(f), role: f.helpers.arrayElement(['member', 'admin']) } }),
    invalid: (f) => ({ body: { email: email(f), role: 'owner' } }),
    elements: ['invite-button', 'invite-email', 'role-select'],
  },
  api_key_create: {
    valid: (f) => ({ body: { name: `${f.hacker.abbreviation()} key` } }),
    invalid: () => ({ body: {} }),
    elements: ['developer-tab', 'new-key', 'copy-key'],
  },
  data_import: {
    valid: (f) => ({
      body: {
        source: 'json',
        rows: Array.from({ length: f.number.int({ min: 1, max: 20 }) }, () => ({
          name: f.commerce.productName(),
          value: f.number.int({ min: 0, max: 10_000 }),
        })),
      },
    }),
    invalid: () => ({ body: { source: 'json', rows: [] } }),
    elements: ['import-button', 'file-drop', 'start-import'],
  },
  audit_log_export: {
    valid: () => ({ body: {} }),
    invalid: () => ({ body: { from: 'yesterday' } }),
    elements: ['audit-tab', 'export-audit'],
  },
  sso_configure: {
    valid: (f) => ({
      body: {
        provider: f.helpers.arrayElement(['okta', 'azure_ad', 'google']),
        domain: f.internet.domainName(),
      },
    }),
    invalid: () => ({ body: { provider: 'okta', domain: 'not a domain' } }),
    elements: ['security-tab', 'sso-provider', 'save-sso'],
  },
}

/** Features whose call needs something the tenant must have created first. */
export const NEEDS_DASHBOARD: ReadonlySet<FeatureName> = new Set(['dashboard_share'])
