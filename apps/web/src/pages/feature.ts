/**
 * One feature's page: its inputs, its action buttons (each click counted under the button's id), and
 * the API's answer.
 */
import { trackFeatureClick } from '@feature-analytics/tracker-web'
import { type CatalogFeature, callApi } from '../api.ts'
import { h } from '../dom.ts'
import { type CallInput, FEATURE_PAGES, type FormValues } from '../features.ts'

/** The request for a call: the route and method are the ones the API's catalog serves. */
const requestOf = (feature: CatalogFeature, input: CallInput) => {
  const path = feature.path.replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent(input.params?.[name] ?? ''),
  )
  const query = input.query ? `?${new URLSearchParams(input.query)}` : ''
  return {
    method: feature.method === 'GET' ? ('GET' as const) : ('POST' as const),
    path: path + query,
    body: input.body,
  }
}

export const featurePage = (feature: CatalogFeature, plan: string): HTMLElement => {
  const page = FEATURE_PAGES[feature.name]
  if (!page) return h('p', {}, `No page for ${feature.name}.`)
  const locked = !feature.plans.includes(plan)
  const output = h('pre', { id: 'result', class: 'result', 'aria-live': 'polite' })
  const inputs = page.fields.map((field) => {
    const id = `field-${field.name}`
    const input =
      field.name === 'rows'
        ? h('textarea', { id, name: field.name, rows: '4' })
        : h('input', { id, name: field.name, type: 'text' })
    input.value = field.value
    return { field, input, label: h('label', { for: id }, field.label, input) }
  })
  const values = (): FormValues =>
    Object.fromEntries(inputs.map(({ field, input }) => [field.name, input.value]))

  const buttons = page.actions.map((action) => {
    const button = h('button', { id: action.id, type: 'button' }, action.label)
    button.addEventListener('click', async () => {
      trackFeatureClick(feature.name, action.id)
      const { method, path, body } = requestOf(feature, action.input(values()))
      output.textContent = '…'
      const result = await callApi(method, path, body)
      output.className = result.ok ? 'result ok' : 'result failed'
      output.textContent = result.ok
        ? JSON.stringify(result.body, null, 2)
        : `${result.error.status} ${result.error.code}: ${result.error.message}`
    })
    return button
  })

  return h(
    'section',
    { class: 'card', 'data-feature': feature.name },
    h('h1', {}, page.title),
    h('p', {}, page.blurb),
    locked &&
      h(
        'p',
        { class: 'locked' },
        `Your plan (${plan}) does not include this feature: it needs ${feature.plans[0]}.`,
      ),
    ...inputs.map(({ label }) => label),
    h('div', { class: 'actions' }, ...buttons),
    output,
  )
}
