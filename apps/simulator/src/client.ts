/**
 * HTTP to the API, paced by the run's global token bucket and bounded by its deadline. Given several
 * instances it spreads requests over them round-robin, as a load balancer would, and routes around
 * an instance that refuses connections (the request never reached it, so sending it elsewhere
 * cannot count it twice). Answers are returned, never thrown: what a status means is the caller's
 * business. Only running out of time throws, so an actor stops between requests and never leaves
 * one half-counted.
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
  /** A feature route: its answer is feature usage on the instance that gave it (for the request log). */
  usage?: boolean
}

/** One request as sent and answered, for the optional request log (`--requests-log`). */
export interface RequestRecord {
  target: string
  sentAt: number
  answeredAt: number
  status: number
  usage: boolean
}

export class BudgetExhausted extends Error {
  override name = 'BudgetExhausted'
}

const MAX_RETRIES_429 = 8
/** How long an instance that refused a connection is left out of the rotation. */
const DOWN_FOR_MS = 1000

export class ApiClient {
  readonly baseUrls: readonly string[]
  readonly #pacer: TokenBucket | undefined
  readonly #stats: Stats
  readonly #deadline: number
  readonly #onRequest: ((record: RequestRecord) => void) | undefined
  readonly #downUntil: number[]
  #next = 0

  constructor(
    baseUrls: string | readonly string[],
    pacer: TokenBucket | undefined,
    stats: Stats,
    deadline: number,
    onRequest?: (record: RequestRecord) => void,
  ) {
    this.baseUrls = (typeof baseUrls === 'string' ? [baseUrls] : baseUrls).map((u) => u.replace(/\/+$/, ''))
    this.#pacer = pacer
    this.#stats = stats
    this.#deadline = deadline
    this.#onRequest = onRequest
    this.#downUntil = this.baseUrls.map(() => 0)
  }

  /** The first instance, for calls any instance answers the same (the catalog). */
  get baseUrl(): string {
    return this.baseUrls[0] as string
  }

  /** Round-robin over the instances not marked down (all of them, if every one is). */
  #pick(): number {
    const n = this.baseUrls.length
    const now = Date.now()
    for (let i = 0; i < n; i++) {
      const index = (this.#next + i) % n
      if ((this.#downUntil[index] as number) <= now) {
        this.#next = index + 1
        return index
      }
    }
    return this.#next++ % n
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

  /** One request; a refused connection is retried at once on another instance, if there is one. */
  async #once(method: string, path: string, options: CallOptions): Promise<Answer> {
    if (Date.now() >= this.#deadline) throw new BudgetExhausted('the --duration budget is spent')
    await this.#pacer?.removeTokens(1)
    for (let tries = 1; ; tries++) {
      const target = this.#pick()
      const sentAt = Date.now()
      const answer = await this.#send(this.baseUrls[target] as string, method, path, options)
      if (answer.refused && tries < this.baseUrls.length) {
        this.#downUntil[target] = Date.now() + DOWN_FOR_MS
        this.#stats.rerouted++
        continue
      }
      this.#onRequest?.({
        target: this.baseUrls[target] as string,
        sentAt,
        answeredAt: Date.now(),
        status: answer.status,
        usage: options.usage ?? false,
      })
      return answer
    }
  }

  async #send(
    baseUrl: string,
    method: string,
    path: string,
    { token, body, query, headers: extraHeaders }: CallOptions,
  ): Promise<Answer & { refused?: boolean }> {
    const url = new URL(baseUrl + path)
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value)
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders }
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
      const cause = (error as { cause?: { message?: string; code?: string } }).cause
      return {
        status: 0,
        body: undefined,
        error: `${(error as Error).message}${cause?.message ? `: ${cause.message}` : ''}`,
        ...(cause?.code === 'ECONNREFUSED' ? { refused: true } : {}),
      }
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
