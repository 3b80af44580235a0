/** Sign-in form, with the seeded demo accounts as hints. */
import { callApi, type Me } from '../api.ts'
import { h } from '../dom.ts'

const DEMO_ACCOUNTS = ['demo-free@example.com', 'demo-pro@example.com', 'demo-enterprise@example.com']
const DEMO_PASSWORD = 'demo-password'

export const loginPage = (onSignedIn: (me: Me) => void): HTMLElement => {
  const email = h('input', {
    id: 'login-email',
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: '',
  })
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: '',
  })
  const message = h('p', { class: 'error', role: 'alert' })
  // Clicking a demo account fills the form, so trying the demo takes one click and one submit.
  const demoButton = (account: string) => {
    const button = h('button', { type: 'button', class: 'link' }, h('code', {}, account))
    button.addEventListener('click', () => {
      email.value = account
      password.value = DEMO_PASSWORD
    })
    return button
  }
  const form = h(
    'form',
    { id: 'login-form', class: 'card' },
    h('h1', {}, 'Sign in'),
    h('label', {}, 'E-mail', email),
    h('label', {}, 'Password', password),
    h('button', { id: 'login-submit', type: 'submit' }, 'Sign in'),
    message,
    h(
      'p',
      { class: 'hint' },
      'Demo accounts: ',
      ...DEMO_ACCOUNTS.flatMap((account, i) => [i > 0 ? ', ' : '', demoButton(account)]),
      ' — password ',
      h('code', {}, DEMO_PASSWORD),
    ),
  )
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    message.textContent = ''
    const result = await callApi<Me>('POST', '/api/login', { email: email.value, password: password.value })
    if (result.ok) onSignedIn(result.body)
    else message.textContent = result.error.message
  })
  return form
}
