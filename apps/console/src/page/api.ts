/**
 * The page's side of the token: read once from the URL's fragment (never sent to the server, so it
 * reaches no access log), kept in sessionStorage, sent as a bearer token on every /api/ call.
 */
const KEY = 'console-token'

export class Unauthorized extends Error {
  override name = 'Unauthorized'
}

export function takeToken(): string | undefined {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token')
  if (fromHash) {
    sessionStorage.setItem(KEY, fromHash)
    history.replaceState(null, '', location.pathname + location.search)
  }
  return sessionStorage.getItem(KEY) ?? undefined
}

export const saveToken = (token: string) => sessionStorage.setItem(KEY, token)
export const forgetToken = () => sessionStorage.removeItem(KEY)

export async function getJson<T>(path: string): Promise<T> {
  const token = sessionStorage.getItem(KEY) ?? ''
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } })
  if (response.status === 401) throw new Unauthorized('the token was refused')
  const body = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } }
  if (!response.ok) throw new Error(body.error?.message ?? `${path} answered ${response.status}`)
  return body
}
