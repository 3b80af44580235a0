/**
 * The SaaS UI: sign in, then one page per feature (hash routes, so the API only serves index.html).
 * A feature page open = a feature session; leaving it, in the app or by closing the page, ends it.
 */
import { createFeatureSession, type FeatureSession, startWebTelemetry } from '@feature-analytics/tracker-web'
import { type CatalogFeature, callApi, type Me } from './api.ts'
import { h, mount } from './dom.ts'
import { FEATURE_PAGES } from './features.ts'
import { billingPage } from './pages/billing.ts'
import { featurePage } from './pages/feature.ts'
import { loginPage } from './pages/login.ts'

startWebTelemetry({ endpoint: '/v1/metrics', serviceName: 'saas-web' })

const root = document.getElementById('app') as HTMLElement
let me: Me | undefined
let catalog: CatalogFeature[] = []
let session: FeatureSession | undefined

const nav = (current: Me): HTMLElement =>
  h(
    'nav',
    {},
    h('strong', {}, current.tenant.name),
    h('span', { class: 'plan', id: 'current-plan' }, current.tenant.plan),
    ...catalog
      .filter((feature) => FEATURE_PAGES[feature.name])
      .map((feature) =>
        h(
          'a',
          { href: `#/feature/${feature.name}`, id: `nav-${feature.name}` },
          FEATURE_PAGES[feature.name]?.title ?? feature.name,
        ),
      ),
    h('a', { href: '#/billing', id: 'nav-billing' }, 'Billing'),
    logoutButton(),
  )

const logoutButton = (): HTMLElement => {
  const button = h('button', { id: 'logout', type: 'button', class: 'link' }, 'Sign out')
  button.addEventListener('click', async () => {
    await callApi('POST', '/api/logout')
    me = undefined
    location.hash = '#/login'
    render()
  })
  return button
}

const refreshMe = async (): Promise<void> => {
  const result = await callApi<Me>('GET', '/api/me')
  me = result.ok ? result.body : undefined
}

const render = (): void => {
  session?.end()
  session = undefined
  if (!me) {
    mount(
      root,
      loginPage((signedIn) => {
        me = signedIn
        location.hash = '#/'
        render()
      }),
    )
    return
  }
  const current = me
  const route = location.hash.replace(/^#/, '')
  const featureName = /^\/feature\/(\w+)$/.exec(route)?.[1]
  const feature = catalog.find((f) => f.name === featureName)
  let content: HTMLElement
  if (feature) {
    session = createFeatureSession(feature.name)
    content = featurePage(feature, current.tenant.plan)
  } else if (route === '/billing') {
    content = billingPage(current, () => void refreshMe().then(render))
  } else {
    content = h(
      'section',
      { class: 'card' },
      h('h1', {}, `Welcome, ${current.user.name}`),
      h('p', {}, 'Pick a feature on the left.'),
    )
  }
  mount(root, h('div', { class: 'layout' }, nav(current), h('main', {}, content)))
}

const start = async (): Promise<void> => {
  const [features] = await Promise.all([
    callApi<{ features: CatalogFeature[] }>('GET', '/api/features'),
    refreshMe(),
  ])
  catalog = features.ok ? features.body.features : []
  addEventListener('hashchange', render)
  render()
}

void start()
