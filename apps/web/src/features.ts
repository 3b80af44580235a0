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
const field = (name: string, label: string, value = ''): FeatureField => ({ name, label, value })
const button = (id: string, label: string, input: FeatureAction['input']): FeatureAction => ({
  id,
  label,
  input,
})
const page = (
  title: string,
  blurb: string,
  fields: FeatureField[],
  actions: FeatureAction[],
): FeaturePage => ({
  title,
  blurb,
  fields,
  actions,
})

export const FEATURE_PAGES: Record<string, FeaturePage> = {
  dashboard_create: page(
    'Dashboards',
    'Create a dashboard for your team.',
    [field('name', 'Name', 'Weekly revenue')],
    [button('dashboard-create', 'Create dashboard', (f) => body({ name: f.name }))],
  ),
  dashboard_share: page(
    'Share a dashboard',
    'Share an existing dashboard by its id.',
    [field('id', 'Dashboard id'), field('email', 'Share with', 'colleague@example.com')],
    [button('dashboard-share', 'Share', (f) => ({ params: { id: f.id ?? '' }, body: { email: f.email } }))],
  ),
  search: page(
    'Search',
    "Search your tenant's dashboards and alerts.",
    [field('q', 'Query', 'revenue')],
    [button('search-go', 'Search', (f) => ({ query: { q: f.q ?? '' } }))],
  ),
  report_export: page(
    'Reports',
    'Export your dashboards and alerts as a report.',
    [],
    (['csv', 'pdf', 'xlsx'] as const).map((format) =>
      button(`report-export-${format}`, `Export ${format.toUpperCase()}`, () => body({ format })),
    ),
  ),
  alert_create: page(
    'Alerts',
    'Get told when a metric crosses a threshold.',
    [
      field('name', 'Name', 'High error rate'),
      field('metric', 'Metric', 'http.errors'),
      field('threshold', 'Threshold', '5'),
    ],
    [
      button('alert-create', 'Create alert', (f) =>
        body({ name: f.name, metric: f.metric, threshold: Number(f.threshold) }),
      ),
    ],
  ),
  integration_connect: page(
    'Integrations',
    'Connect the tools your team uses.',
    [],
    (['slack', 'github', 'jira', 'salesforce'] as const).map((provider) =>
      button(`integration-${provider}`, `Connect ${provider}`, () => body({ provider })),
    ),
  ),
  team_invite: page(
    'Team',
    'Invite a colleague.',
    [field('email', 'E-mail', 'new.hire@example.com')],
    (['member', 'admin'] as const).map((role) =>
      button(`team-invite-${role}`, `Invite as ${role}`, (f) => body({ email: f.email, role })),
    ),
  ),
  api_key_create: page(
    'API keys',
    'Create a key for scripts; it is shown once.',
    [field('name', 'Key name', 'ci-pipeline')],
    [button('api-key-create', 'Create key', (f) => body({ name: f.name }))],
  ),
  data_import: page(
    'Data import',
    'Import rows of "name,value"; each row is checked on its own.',
    [field('rows', 'CSV rows (one per line)', 'signups,42\nchurned,3')],
    [
      button('data-import-csv', 'Import CSV', (f) =>
        body({ source: 'csv', rows: (f.rows ?? '').split('\n').filter(Boolean) }),
      ),
    ],
  ),
  audit_log_export: page(
    'Audit log',
    'Export who did what in your tenant.',
    [],
    [button('audit-log-export', 'Export audit log', () => body({}))],
  ),
  sso_configure: page(
    'Single sign-on',
    'Let your identity provider sign your team in.',
    [field('domain', 'E-mail domain', 'example.com')],
    (['okta', 'azure_ad', 'google'] as const).map((provider) =>
      button(`sso-${provider}`, `Use ${provider}`, (f) => body({ provider, domain: f.domain })),
    ),
  ),
}
