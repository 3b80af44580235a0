/**
 * Calls to the API on this origin. The session lives in an HttpOnly cookie, so the page never sees or
 * stores a token; `credentials: 'same-origin'` is what sends it.
 */
export interface ApiError {
  status: number
  code: string
  message: string
}

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; error: ApiError }

export const callApi = async <T = unknown>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> => {
  try {
    const response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    const json = text ? (JSON.parse(text) as unknown) : undefined
    if (response.ok) return { ok: true, status: response.status, body: json as T }
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error
    return {
      ok: false,
      error: {
        status: response.status,
        code: error?.code ?? 'http_error',
        message: error?.message ?? response.statusText,
      },
    }
  } catch (err) {
    return { ok: false, error: { status: 0, code: 'network_error', message: String(err) } }
  }
}

export interface Me {
  user: { id: string; name: string; email: string; role: string }
  tenant: { id: string; name: string; plan: 'free' | 'pro' | 'enterprise'; status: string }
}

export interface CatalogFeature {
  name: string
  category: string
  plans: string[]
  method: string
  path: string
}
