/**
 * The embedded source: polls the API's own /metrics pages and keeps a bounded history. What it
 * keeps per poll is small and fixed: the latency buckets summed by feature and `le` (about 200
 * numbers for the sample's 11 features), plus the last pages read whole for the totals panels.
 * The time axis starts when the console starts; the oldest poll is dropped past `maxPoints`.
 */
import { evaluate, expositionSource, parseExposition, type Source } from '@feature-analytics/insights'
import { type BucketSnapshot, LATENCY_BUCKETS } from './latency.ts'

export interface HistoryOptions {
  urls: readonly string[]
  maxPoints: number
  pollMs: number
  fetchTimeoutMs?: number
}

export class MetricsHistory {
  readonly urls: readonly string[]
  readonly maxPoints: number
  readonly pollMs: number
  private readonly fetchTimeoutMs: number
  private readonly snapshots: BucketSnapshot[] = []
  private latest: { t: number; pages: string[] } | undefined
  private timer: NodeJS.Timeout | undefined
  private polling: Promise<void> | undefined
  /** The last poll's failure, cleared by the next success. */
  lastError: string | undefined

  constructor(options: HistoryOptions) {
    this.urls = options.urls
    this.maxPoints = options.maxPoints
    this.pollMs = options.pollMs
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? Math.min(10_000, Math.max(1000, options.pollMs))
  }

  get points(): readonly BucketSnapshot[] {
    return this.snapshots
  }

  /** The last pages read, as one source for the catalog; undefined before the first success. */
  latestSource(): Source | undefined {
    return this.latest && expositionSource(this.latest.pages, this.urls.join(', '))
  }

  /** Reads every page once and appends a snapshot; a failure is kept in lastError, never thrown. */
  poll(): Promise<void> {
    // One poll at a time: a slow API must not pile up requests.
    this.polling ??= this.readPages().finally(() => {
      this.polling = undefined
    })
    return this.polling
  }

  start(): void {
    if (this.timer) return
    void this.poll()
    this.timer = setInterval(() => void this.poll(), this.pollMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async readPages(): Promise<void> {
    try {
      const pages = await Promise.all(this.urls.map((url) => this.read(url)))
      const t = Date.now()
      const samples = pages.flatMap((page) => parseExposition(page))
      this.snapshots.push({ t, buckets: evaluate(LATENCY_BUCKETS, samples) })
      if (this.snapshots.length > this.maxPoints)
        this.snapshots.splice(0, this.snapshots.length - this.maxPoints)
      this.latest = { t, pages }
      this.lastError = undefined
    } catch (error) {
      this.lastError = (error as Error).message
    }
  }

  private async read(url: string): Promise<string> {
    const response = await fetch(url, {
      headers: { accept: 'text/plain' },
      signal: AbortSignal.timeout(this.fetchTimeoutMs),
    }).catch((error: unknown) => {
      const cause = (error as { cause?: { message?: string } }).cause?.message
      throw new Error(`GET ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`)
    })
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
    return response.text()
  }
}
