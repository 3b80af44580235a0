/**
 * HTTP to one API instance, paced by the run's global token bucket and bounded by its deadline.
 * Answers are returned, never thrown: what a status means is the caller's business. Only running
 * out of time throws, so an actor stops between requests and never leaves one half-counted.
 */
import type { TokenBucket } from 'limiter'
import type { Stats } from './stats.ts'

export interface Answer {
  status: number
  body: unknown
  /** Set when the request never got an HTTP answer (status 0). */
  error?: string
  retryAfterSeconds?: number
}

export interface CallOptions {
  token?: string
  body?: unknown
  query?: Record<string, string>
  headers?: Record<string, string>
}

export class BudgetExhausted extends Error {
  override name = 'BudgetExhausted'
}

const MAX_RETRIES_429 = 8

export class ApiClient {
  readonly baseUrl: string
  readonly #pacer: TokenBucket | undefined
  readonly #stats: Stats
  readonly #deadline: number

  constructor(baseUrl: string, pacer: TokenBucket | undefined, stats: Stats, deadline: number) {
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.#pacer = pacer
    this.#stats = stats
    this.#deadline = deadline
  }

  /**
   * A 429 is retried after its Retry-After: which request meets a rate limit depends on timing, so
   * giving up would make the ledger depend on timing too.
   */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#once(method, path, options)
      if (answer.status !== 429 || attempt === MAX_RETRIES_429) return answer
      this.#stats.retried429++
      await this.#sleep((answer.retryAfterSeconds ?? 1) * 1000)
    }
  }

  async #once(method: string, path: string, { token, body, query, ...extra }: CallOptions): Promise<Answer> {
    if (Date.now() >= this.#deadline) throw new BudgetExhausted('the --duration budget is spent')
    await this.#pacer?.removeTokens(1)
    const url = new URL(this.baseUrl + path)
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value)
    const headers: Record<string, string> = { accept: 'application/json', ...extra.headers }
    if (token) headers.authorization = `Bearer ${token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    this.#stats.requests++
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      })
      const text = await response.text()
      const retryAfter = Number(response.headers.get('retry-after'))
      return {
        status: response.status,
        body: text === '' ? undefined : safeJson(text),
        ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
      }
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message
      return { status: 0, body: undefined, error: `${(error as Error).message}${cause ? `: ${cause}` : ''}` }
    }
  }

  async #sleep(ms: number): Promise<void> {
    if (Date.now() + ms >= this.#deadline) throw new BudgetExhausted('the --duration budget is spent')
    await new Promise((resolve) => setTimeout(resolve, ms))
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The `{ error: { code, message } }` body of docs/interfaces.md, for reports. */
export function describeAnswer(answer: Answer): string {
  if (answer.status === 0) return `no answer (${answer.error})`
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error
  return error ? `${answer.status} ${error.code}: ${error.message}` : String(answer.status)
}
