/**
 * The UI for each feature: its page title, its fields and the buttons that call it. Each button has
 * a stable id, which is also the `ui.element` its clicks are counted under. A button says what to
 * send (`CallInput`); the route and method are the ones `GET /api/features` serves.
 */
export interface FeatureAction {
  id: string
  label: string
  input: (form: FormValues) => CallInput
}

/** Values for the route's `:name` segments, query parameters, a JSON body (as the API's catalog). */
export interface CallInput {
  params?: Record<string, string>
  query?: Record<string, string>
  body?: unknown
}

export interface FeatureField {
  name: string
  label: string
  value: string
}

export type FormValues = Record<string, string>

export interface FeaturePage {
  title: string
  blurb: string
  fields: FeatureField[]
  actions: FeatureAction[]
}

const body = (value: unknown): CallInput => ({ body: value })

export const FEATURE_PAGES: Record<string, FeaturePage> = {
  dashboard_create: {
    title: 'Dashboards',
    blurb: 'Create a dashboard for your team.',
    fields: [{ name: 'name', label: 'Name', value: 'Weekly revenue' }],
    actions: [
      {
        id: 'dashboard-create',
        label: 'Create dashboard',
        input: (f) => body({ name: f.name }),
      },
    ],
  },
  dashboard_share: {
    title: 'Share a dashboard',
    blurb: 'Share an existing dashboard by its id.',
    fields: [
      { name: 'id', label: 'Dashboard id', value: '' },
      { name: 'email', label: 'Share with', value: 'colleague@example.com' },
    ],
    actions: [
      {
        id: 'dashboard-share',
        label: 'Share',
        input: (f) => ({ params: { id: f.id ?? '' }, body: { email: f.email } }),
      },
    ],
  },
  search: {
    title: 'Search',
    blurb: "Search your tenant's dashboards and alerts.",
    fields: [{ name: 'q', label: 'Query', value: 'revenue' }],
    actions: [
      {
        id: 'search-go',
        label: 'Search',
        input: (f) => ({ query: { q: f.q ?? '' } }),
      },
    ],
  },
  report_export: {
    title: 'Reports',
    blurb: 'Export your dashboards and alerts as a report.',
    fields: [],
    actions: (['csv', 'pdf', 'xlsx'] as const).map((format) => ({
      id: `report-export-${format}`,
      label: `Export ${format.toUpperCase()}`,
      input: () => body({ format }),
    })),
  },
  alert_create: {
    title: 'Alerts',
    blurb: 'Get told when a metric crosses a threshold.',
    fields: [
      { name: 'name', label: 'Name', value: 'High error rate' },
      { name: 'metric', label: 'Metric', value: 'http.errors' },
      { name: 'threshold', label: 'Threshold', value: '5' },
    ],
    actions: [
      {
        id: 'alert-create',
        label: 'Create alert',
        input: (f) => body({ name: f.name, metric: f.metric, threshold: Number(f.threshold) }),
      },
    ],
  },
  integration_connect: {
    title: 'Integrations',
    blurb: 'Connect the tools your team uses.',
    fields: [],
    actions: (['slack', 'github', 'jira', 'salesforce'] as const).map((provider) => ({
      id: `integration-${provider}`,
      label: `Connect ${provider}`,
      input: () => body({ provider }),
    })),
  },
  team_invite: {
    title: 'Team',
    blurb: 'Invite a colleague.',
    fields: [{ name: 'email', label: 'E-mail', value: 'new.hire@example.com' }],
    actions: (['member', 'admin'] as const).map((role) => ({
      id: `team-invite-${role}`,
      label: `Invite as ${role}`,
      input: (f) => body({ email: f.email, role }),
    })),
  },
  api_key_create: {
    title: 'API keys',
    blurb: 'Create a key for scripts; it is shown once.',
    fields: [{ name: 'name', label: 'Key name', value: 'ci-pipeline' }],
    actions: [{ id: 'api-key-create', label: 'Create key', input: (f) => body({ name: f.name }) }],
  },
  data_import: {
    title: 'Data import',
    blurb: 'Import rows of "name,value"; each row is checked on its own.',
    fields: [{ name: 'rows', label: 'CSV rows (one per line)', value: 'signups,42\nchurned,3' }],
    actions: [
      {
        id: 'data-import-csv',
        label: 'Import CSV',
        input: (f) => body({ source: 'csv', rows: (f.rows ?? '').split('\n').filter(Boolean) }),
      },
    ],
  },
  audit_log_export: {
    title: 'Audit log',
    blurb: 'Export who did what in your tenant.',
    fields: [],
    actions: [{ id: 'audit-log-export', label: 'Export audit log', input: () => body({}) }],
  },
  sso_configure: {
    title: 'Single sign-on',
    blurb: 'Let your identity provider sign your team in.',
    fields: [{ name: 'domain', label: 'E-mail domain', value: 'example.com' }],
    actions: (['okta', 'azure_ad', 'google'] as const).map((provider) => ({
      id: `sso-${provider}`,
      label: `Use ${provider}`,
      input: (f) => body({ provider, domain: f.domain }),
    })),
  },
}
