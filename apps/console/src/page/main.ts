/**
 * The console page: polls /api/panels and draws each panel with Apache ECharts; a click on an
 * exemplar dot fetches that trace's span tree through the console's server (from Jaeger).
 */
import type { Exemplar, PanelsResponse, TraceResponse } from '../panels.ts'
import { DEFAULT_WINDOW_SECONDS, WINDOWS } from '../panels.ts'
import { forgetToken, getJson, saveToken, takeToken, Unauthorized } from './api.ts'
import { time } from './format.ts'
import { PanelView } from './panel.ts'
import { activeUsersView, driversView, funnelView, latencyView, traceTable, usageView } from './views.ts'

const REFRESH_MS = 5000
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

const main = $('panels')
const usage = new PanelView(main, 'usage', 'Usage by feature and plan')
const funnel = new PanelView(main, 'funnel', 'Adoption funnel')
const upgradeDrivers = new PanelView(main, 'upgrade-drivers', 'Upgrade drivers')
const retentionDrivers = new PanelView(main, 'retention-drivers', 'Retention drivers')
const activeUsers = new PanelView(main, 'active-users', 'Active users and stickiness', { wide: true })
const latency = new PanelView(main, 'latency', 'Latency per feature over time', { wide: true })
const traces = new PanelView(main, 'traces', 'Trace', { wide: true, chart: false })

const featurePicker = document.createElement('select')
featurePicker.id = 'latency-feature'
featurePicker.setAttribute('aria-label', 'feature')
latency.extra.append(featurePicker)

const windowPicker = $<HTMLSelectElement>('window')
for (const [label, seconds] of WINDOWS) windowPicker.add(new Option(label, String(seconds)))
windowPicker.value = String(DEFAULT_WINDOW_SECONDS)

let last: PanelsResponse | undefined
let timer: number | undefined

function drawLatency(response: PanelsResponse): void {
  const panel = response.latency
  if (panel.state !== 'ok') {
    latency.setMessage(panel.state, panel.message)
    return
  }
  const { data } = panel
  const features = data.series.map((s) => s.feature)
  const slowest = data.summary[0]?.feature
  const chosen = features.includes(featurePicker.value) ? featurePicker.value : (slowest ?? features[0] ?? '')
  featurePicker.replaceChildren(...features.map((f) => new Option(f, f)))
  featurePicker.value = chosen
  const series = data.series.find((s) => s.feature === chosen)
  const exemplars: Exemplar[] =
    data.exemplars.state === 'ok' ? data.exemplars.data.filter((e) => e.feature === chosen) : []
  latency.setScope(
    `Quantiles of the calls in the ${data.rateWindowSeconds} s before each point. ` +
      (data.exemplars.state === 'ok'
        ? `Exemplars (red dots, sampled calls with a trace): ${exemplars.length}; click one for its span tree.`
        : `Exemplars: ${data.exemplars.message}`),
  )
  if (data.series.length === 0) {
    latency.setMessage('empty', 'No calls yet: the chart starts with the first poll that sees traffic.')
    return
  }
  const { option, tables } = latencyView(data, series, exemplars)
  latency.render(option, tables)
  // Where each exemplar dot is drawn, so tools (and the browser test) can click one.
  latency.element.dataset.exemplarDots = JSON.stringify(
    exemplars.map((e) => ({ traceId: e.traceId, at: latency.pixelOf('exemplars', [e.t, e.valueMs]) })),
  )
}

function draw(response: PanelsResponse): void {
  last = response
  const { source } = response
  $('source').textContent = `Source: ${source.description}`
  $('window-picker').hidden = source.kind !== 'prometheus'
  $('updated').textContent =
    `updated ${time(response.generatedAt)} UTC` +
    (source.history
      ? ` · history: ${source.history.points} of at most ${source.history.maxPoints} polls` +
        (source.history.since ? ` since ${time(source.history.since)}` : '')
      : '')
  if (response.usage.state === 'ok' && response.usage.data.length === 0) {
    usage.setMessage('empty', `No successful calls ${source.totalsScope}.`)
  } else if (response.usage.state === 'ok') {
    const { option, table } = usageView(response.usage.data)
    usage.setScope(`Successful calls, ${source.totalsScope}.`)
    usage.render(option, table)
  } else usage.setMessage(response.usage.state, response.usage.message)
  if (response.funnel.state === 'ok' && response.funnel.data.length === 0) {
    funnel.setMessage('empty', `No user reached an adoption stage ${source.totalsScope}.`)
  } else if (response.funnel.state === 'ok') {
    const { option, table } = funnelView(response.funnel.data)
    funnel.setScope(`Users who reached each adoption stage, ${source.totalsScope}.`)
    funnel.render(option, table)
  } else funnel.setMessage(response.funnel.state, response.funnel.message)
  drawDrivers(response)
  drawActiveUsers(response)
  drawLatency(response)
  if (response.traces.state !== 'ok') traces.setMessage(response.traces.state, response.traces.message)
  // Until a trace is shown, say how to get one (also after Jaeger comes back from an error).
  else if (traces.element.dataset.state !== 'ok')
    traces.setMessage('empty', 'Click an exemplar dot on the latency chart to see its span tree here.')
}

function drawDrivers(response: PanelsResponse): void {
  const { method } = response
  const rule =
    method.state === 'ok'
      ? ` Filled: significant after Benjamini-Hochberg at ${method.data.alpha}; ` +
        `"not enough data" below ${method.data.minimumSample.perGroup} decisions per group or ` +
        `${method.data.minimumSample.events} outcomes. ${method.data.test}; ${method.data.interval}.`
      : ''
  const panels = [
    [
      upgradeDrivers,
      response.upgradeDrivers,
      'upgrade',
      'Upgrade rate of tenants that used the feature since their previous billing decision, over that of those that did not, same plan',
    ],
    [
      retentionDrivers,
      response.retentionDrivers,
      'churn',
      'Churn rate of users over non-users, same plan (below 1: the feature goes with staying)',
    ],
  ] as const
  for (const [view, panel, outcome, what] of panels) {
    if (panel.state !== 'ok') {
      view.setMessage(panel.state, panel.message)
      continue
    }
    if (panel.data.length === 0) {
      view.setMessage('empty', 'No billing decisions yet: the report has nothing to compare.')
      continue
    }
    view.setScope(`${what}, ${response.source.totalsScope}.${rule}`)
    const { option, table, height } = driversView(panel.data, outcome)
    view.render(option, table, height)
  }
}

function drawActiveUsers({ activeUsers: panel }: PanelsResponse): void {
  if (panel.state !== 'ok') activeUsers.setMessage(panel.state, panel.message)
  else if (panel.data.length === 0)
    activeUsers.setMessage('empty', 'No feature page visits yet: active users come from the web app’s pages.')
  else {
    activeUsers.setScope(
      'Distinct users who visited each feature’s page in the 1, 7 and 30 days ending now (DAU so far today), and stickiness DAU/MAU. ' +
        'Counted in shared HyperLogLog sketches (Redis on the stack, so replicas and restarts agree).',
    )
    const { option, table, height } = activeUsersView(panel.data)
    activeUsers.render(option, table, height)
  }
}

async function showTrace(traceId: string): Promise<void> {
  traces.element.dataset.traceId = traceId
  traces.setScope(`Loading trace ${traceId} …`)
  try {
    const trace = await getJson<TraceResponse>(`/api/traces/${encodeURIComponent(traceId)}`)
    traces.setScope(`${trace.spans.length} spans, fetched from Jaeger through the console.`)
    traces.render(undefined, traceTable(trace))
  } catch (error) {
    traces.setMessage('error', (error as Error).message)
  }
}

featurePicker.addEventListener('change', () => last && drawLatency(last))
windowPicker.addEventListener('change', () => void refresh())

async function refresh(): Promise<void> {
  clearTimeout(timer)
  try {
    draw(await getJson<PanelsResponse>(`/api/panels?window=${windowPicker.value}`))
    timer = window.setTimeout(refresh, REFRESH_MS)
  } catch (error) {
    if (error instanceof Unauthorized) return askForToken('That token was refused.')
    $('source').textContent = `Cannot reach the console's server: ${(error as Error).message}`
    timer = window.setTimeout(refresh, REFRESH_MS)
  }
}

function askForToken(problem = ''): void {
  forgetToken()
  main.hidden = true
  const form = $<HTMLFormElement>('token-form')
  form.hidden = false
  $('token-error').textContent = problem
  form.onsubmit = (event) => {
    event.preventDefault()
    saveToken($<HTMLInputElement>('token-input').value)
    form.hidden = true
    main.hidden = false
    void refresh()
  }
}

latency.onChartClick((params) => {
  const traceId = (params.value as unknown[] | undefined)?.[2]
  if (params.seriesName === 'exemplars' && typeof traceId === 'string') void showTrace(traceId)
})
window.addEventListener('resize', () => {
  for (const panel of [usage, funnel, upgradeDrivers, retentionDrivers, activeUsers, latency]) panel.resize()
})

if (takeToken()) void refresh()
else askForToken()
