/** Plan changes, renewal and cancellation for the tenant owner. */
import { callApi, type Me } from '../api.ts'
import { h } from '../dom.ts'

export const billingPage = (me: Me, onChanged: () => void): HTMLElement => {
  const output = h('p', { id: 'billing-result', role: 'status' })
  const act = async (path: string, body?: unknown) => {
    const result = await callApi<{ tenant: Me['tenant'] }>('POST', path, body)
    output.textContent = result.ok
      ? `Plan: ${result.body.tenant.plan}, status: ${result.body.tenant.status}`
      : result.error.message
    if (result.ok) onChanged()
  }
  const planButtons = (['free', 'pro', 'enterprise'] as const).map((plan) => {
    const button = h('button', { id: `plan-${plan}`, type: 'button' }, `Switch to ${plan}`)
    button.disabled = plan === me.tenant.plan
    button.addEventListener('click', () => act('/api/billing/plan', { plan }))
    return button
  })
  const renew = h('button', { id: 'billing-renew', type: 'button' }, 'Renew')
  renew.addEventListener('click', () => act('/api/billing/renew'))
  const cancel = h('button', { id: 'billing-cancel', type: 'button', class: 'danger' }, 'Cancel subscription')
  cancel.addEventListener('click', () => act('/api/billing/cancel'))
  return h(
    'section',
    { class: 'card' },
    h('h1', {}, 'Billing'),
    h('p', {}, `${me.tenant.name} is on the ${me.tenant.plan} plan (${me.tenant.status}).`),
    h('div', { class: 'actions' }, ...planButtons, renew, cancel),
    output,
  )
}
