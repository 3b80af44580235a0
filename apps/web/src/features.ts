/**
 * The UI for each feature: its page title and the buttons that call its route. Each button has a
 * stable id, which is also the `ui.element` its clicks are counted under.
 */
export interface FeatureAction {
  id: string
  label: string
  request: (form: FormValues) => { method: 'GET' | 'POST'; path: string; body?: unknown }
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

const post = (path: string, body?: unknown) => ({ method: 'POST' as const, path, body })

export const FEATURE_PAGES: Record<string, FeaturePage> = {
  dashboard_create: {
    title: 'Dashboards',
    blurb: 'Create a dashboard for your team.',
    fields: [{ name: 'name', label: 'Name', value: 'Weekly revenue' }],
    actions: [
      {
        id: 'dashboard-create',
        label: 'Create dashboard',
        request: (f) => post('/api/dashboards', { name: f.name }),
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
        request: (f) => post(`/api/dashboards/${encodeURIComponent(f.id ?? '')}/share`, { email: f.email }),
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
        request: (f) => ({ method: 'GET', path: `/api/search?q=${encodeURIComponent(f.q ?? '')}` }),
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
      request: () => post('/api/reports/export', { format }),
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
        request: (f) =>
          post('/api/alerts', { name: f.name, metric: f.metric, threshold: Number(f.threshold) }),
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
      request: () => post('/api/integrations', { provider }),
    })),
  },
  team_invite: {
    title: 'Team',
    blurb: 'Invite a colleague.',
    fields: [{ name: 'email', label: 'E-mail', value: 'new.hire@example.com' }],
    actions: (['member', 'admin'] as const).map((role) => ({
      id: `team-invite-${role}`,
      label: `Invite as ${role}`,
      request: (f) => post('/api/team/invites', { email: f.email, role }),
    })),
  },
  api_key_create: {
    title: 'API keys',
    blurb: 'Create a key for scripts; it is shown once.',
    fields: [{ name: 'name', label: 'Key name', value: 'ci-pipeline' }],
    actions: [
      { id: 'api-key-create', label: 'Create key', request: (f) => post('/api/api-keys', { name: f.name }) },
    ],
  },
  data_import: {
    title: 'Data import',
    blurb: 'Import rows of "name,value"; each row is checked on its own.',
    fields: [{ name: 'rows', label: 'CSV rows (one per line)', value: 'signups,42\nchurned,3' }],
    actions: [
      {
        id: 'data-import-csv',
        label: 'Import CSV',
        request: (f) =>
          post('/api/imports', { source: 'csv', rows: (f.rows ?? '').split('\n').filter(Boolean) }),
      },
    ],
  },
  audit_log_export: {
    title: 'Audit log',
    blurb: 'Export who did what in your tenant.',
    fields: [],
    actions: [
      { id: 'audit-log-export', label: 'Export audit log', request: () => post('/api/audit-log/export', {}) },
    ],
  },
  sso_configure: {
    title: 'Single sign-on',
    blurb: 'Let your identity provider sign your team in.',
    fields: [{ name: 'domain', label: 'E-mail domain', value: 'example.com' }],
    actions: (['okta', 'azure_ad', 'google'] as const).map((provider) => ({
      id: `sso-${provider}`,
      label: `Use ${provider}`,
      request: (f) => post('/api/sso', { provider, domain: f.domain }),
    })),
  },
}
