/**
 * Writes grafana/dashboards/feature-analytics.json from the packages/insights query catalog, so
 * the dashboard asks exactly the questions the report CLI and the e2e checks ask.
 * Usage: node scripts/grafana-dashboards.ts [--check]
 */
import { fileURLToPath } from 'node:url'
import { CATALOG, type QueryName } from '@feature-analytics/insights'
import { ATTR, promLabel } from '@feature-analytics/schema'
import { writeOrCheck } from './lib/generated.ts'

export const DASHBOARD_PATH = fileURLToPath(
  new URL('../grafana/dashboards/feature-analytics.json', import.meta.url),
)
const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const

type View =
  | { kind: 'matrix'; rows: string; columns: string }
  | { kind: 'bars'; legend: string; unit: string }
  | { kind: 'stat' }
  /** Over time, with exemplars: each dot is one sampled request, and opens its trace in Jaeger. */
  | { kind: 'timeseries'; legend: string; unit: string }

interface PanelSpec {
  section: string
  title: string
  view: View
  width: number
}

const label = (attribute: string) => promLabel(attribute)
const matrix = (rows: string, columns: string): View => ({
  kind: 'matrix',
  rows: label(rows),
  columns: label(columns),
})
const byFeature = (unit: string): View => ({ kind: 'bars', legend: `{{${label(ATTR.featureName)}}}`, unit })

const featureByPlan = matrix(ATTR.featureName, ATTR.userPlan)

/** The panels of one dashboard section, in the order they are laid out. */
const section = <N extends QueryName>(name: string, panels: Record<N, Omit<PanelSpec, 'section'>>) =>
  Object.fromEntries(
    Object.entries<Omit<PanelSpec, 'section'>>(panels).map(([query, spec]) => [
      query,
      { section: name, ...spec },
    ]),
  ) as Record<N, PanelSpec>

// A Record over QueryName: a query added to the catalog does not typecheck until it has a panel.
const PANELS: Record<QueryName, PanelSpec> = {
  ...section('Usage', {
    usageByPlan: { title: 'Successful calls: feature × plan', view: featureByPlan, width: 12 },
    errorsByFeature: {
      title: 'Calls that ended in an error: feature × plan',
      view: featureByPlan,
      width: 12,
    },
  }),
  ...section('Adoption', {
    adoptionFunnel: {
      title: 'Adoption funnel: users per stage',
      view: matrix(ATTR.featureName, ATTR.adoptionStage),
      width: 24,
    },
  }),
  ...section('Upgrade drivers', {
    upgrades: { title: 'Upgrades pro → enterprise', view: { kind: 'stat' }, width: 4 },
    upgradePriorUsage: {
      title: 'Share of upgrading tenants that used the feature on pro',
      view: byFeature('percentunit'),
      width: 10,
    },
    proTenantShare: {
      title: 'Baseline: share of all pro tenants that used the feature',
      view: byFeature('percentunit'),
      width: 10,
    },
  }),
  ...section('Retention', {
    retentionByFeature: {
      title: 'Tenants retained or churned, by feature used',
      view: matrix(ATTR.featureName, ATTR.retentionOutcome),
      width: 24,
    },
  }),
  ...section('Billing decisions', {
    billingDecisions: {
      title: 'Decisions per plan',
      view: matrix(ATTR.userPlan, ATTR.billingDecision),
      width: 8,
    },
    decisionFeatureUse: {
      title: 'Decisions by feature used since the previous one (all bands)',
      view: matrix(ATTR.featureName, ATTR.billingDecision),
      width: 16,
    },
  }),
  ...section('Active users', {
    activeUsers: {
      title: 'Distinct active users (DAU 1d, WAU 7d, MAU 30d) per feature and plan',
      view: {
        kind: 'timeseries',
        legend: `{{${label(ATTR.featureName)}}} {{${label(ATTR.userPlan)}}} {{${label(ATTR.activityWindow)}}}`,
        unit: 'short',
      },
      width: 24,
    },
  }),
  ...section('Latency', {
    latencyP95: {
      title: 'p95 latency per feature (dots: sampled requests, click to open the trace)',
      view: { kind: 'timeseries', legend: `{{${label(ATTR.featureName)}}}`, unit: 'ms' },
      width: 24,
    },
    latencyP50ByPlan: { title: 'p50 latency (ms): feature × plan', view: featureByPlan, width: 6 },
    latencyP95ByPlan: { title: 'p95 latency (ms): feature × plan', view: featureByPlan, width: 6 },
    latencyP99ByPlan: { title: 'p99 latency (ms): feature × plan', view: featureByPlan, width: 6 },
    latencyCallsByPlan: { title: 'Calls measured: feature × plan', view: featureByPlan, width: 6 },
  }),
}

const HEIGHT = 9

function panel(id: number, name: QueryName, spec: PanelSpec, gridPos: object): object {
  const query = CATALOG[name]
  const overTime = spec.view.kind === 'timeseries'
  const target = {
    refId: 'A',
    datasource: DATASOURCE,
    expr: query.promql,
    instant: !overTime,
    range: overTime,
    exemplar: overTime,
    format: spec.view.kind === 'matrix' ? 'table' : 'time_series',
    legendFormat: 'legend' in spec.view ? spec.view.legend : '__auto',
  }
  const common = { id, title: spec.title, description: query.description, datasource: DATASOURCE, gridPos }
  switch (spec.view.kind) {
    case 'matrix':
      return {
        ...common,
        type: 'table',
        targets: [target],
        transformations: [
          {
            id: 'groupingToMatrix',
            options: {
              rowField: spec.view.rows,
              columnField: spec.view.columns,
              valueField: 'Value',
              emptyValue: 'zero',
            },
          },
        ],
        fieldConfig: { defaults: { unit: 'short' }, overrides: [] },
        options: { showHeader: true },
      }
    case 'bars':
      return {
        ...common,
        type: 'bargauge',
        targets: [target],
        fieldConfig: { defaults: { unit: spec.view.unit, min: 0 }, overrides: [] },
        options: {
          orientation: 'horizontal',
          displayMode: 'basic',
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          showUnfilled: true,
        },
      }
    case 'timeseries':
      return {
        ...common,
        type: 'timeseries',
        targets: [target],
        fieldConfig: {
          defaults: { unit: spec.view.unit, min: 0, custom: { drawStyle: 'line', showPoints: 'never' } },
          overrides: [],
        },
        options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      }
    case 'stat':
      return {
        ...common,
        type: 'stat',
        targets: [target],
        fieldConfig: { defaults: { unit: 'short' }, overrides: [] },
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'none' },
      }
  }
}

/** Lays panels out in sections: a row header, then panels left to right, wrapping at 24 columns. */
export function renderDashboard(): string {
  const panels: object[] = []
  let id = 1
  let y = 0
  let section = ''
  let x = 24
  for (const [name, spec] of Object.entries(PANELS) as [QueryName, PanelSpec][]) {
    if (spec.section !== section) {
      section = spec.section
      if (x > 0 && panels.length > 0) y += HEIGHT
      panels.push({
        id: id++,
        type: 'row',
        title: section,
        collapsed: false,
        gridPos: { h: 1, w: 24, x: 0, y },
      })
      y += 1
      x = 0
    } else if (x + spec.width > 24) {
      y += HEIGHT
      x = 0
    }
    panels.push(panel(id++, name, spec, { h: HEIGHT, w: spec.width, x, y }))
    x += spec.width
  }
  const dashboard = {
    uid: 'feature-analytics',
    title: 'Feature analytics',
    description: 'Generated by scripts/grafana-dashboards.ts from the packages/insights query catalog.',
    tags: ['feature-analytics', 'opentelemetry'],
    editable: false,
    schemaVersion: 41,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  }
  return `${JSON.stringify(dashboard, null, 2)}\n`
}

if (import.meta.main) {
  await writeOrCheck(DASHBOARD_PATH, renderDashboard(), process.argv.includes('--check'))
}
