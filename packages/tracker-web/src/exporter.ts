/**
 * A PushMetricExporter for the page: delta temporality, OTLP/JSON (the upstream serializer) posted to
 * a same-origin endpoint with `fetch(..., { keepalive: true })`, so the session cookie goes along and
 * a flush from a closing page still arrives.
 *
 * Written here rather than using @opentelemetry/exporter-metrics-otlp-http because that exporter
 * needs an absolute URL, sends one body however large (a body over the browser's 64 KiB keepalive
 * budget then goes without keepalive and is lost when the page closes), and would double the bundle.
 *
 * Bodies the server could not take right now (429, 5xx, network) are kept, a bounded number, and
 * sent first next time, after any Retry-After; bodies it refused (other 4xx) are dropped and reported.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import {
  AggregationTemporality,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics'
import { TrackerWebError } from './errors.ts'
import { countPoints, splitForBudget } from './split.ts'

/** Under the browser's 64 KiB budget for all in-flight keepalive bodies, with room for headers. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 60 * 1024

export interface SameOriginExporterOptions {
  /** Where to POST, e.g. '/v1/metrics'. Relative URLs resolve against the page. */
  endpoint: string
  maxPayloadBytes?: number
  /** Bodies kept for retry at most; older ones are dropped first. Default 8. */
  maxPending?: number
  fetch?: typeof fetch
}

const RETRYABLE = (status: number) => status === 429 || status === 408 || status >= 500

export class SameOriginMetricExporter implements PushMetricExporter {
  readonly #endpoint: string
  readonly #maxBytes: number
  readonly #maxPending: number
  readonly #fetch: typeof fetch
  #pending: Uint8Array[] = []
  #retryAt = 0
  #inFlight: Promise<void> = Promise.resolve()
  #shutdown = false

  constructor(options: SameOriginExporterOptions) {
    if (typeof options?.endpoint !== 'string' || options.endpoint.length === 0) {
      throw new TrackerWebError('endpoint must be a URL such as "/v1/metrics"')
    }
    this.#endpoint = options.endpoint
    this.#maxBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
    this.#maxPending = options.maxPending ?? 8
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.DELTA
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new TrackerWebError('exporter is shut down') })
      return
    }
    const { bodies, oversized } =
      countPoints(metrics) === 0 ? { bodies: [], oversized: 0 } : splitForBudget(metrics, this.#maxBytes)
    // Sending starts in this same task: during pagehide there may be no later one.
    const sent = this.#send(bodies)
    this.#inFlight = sent.then(() => undefined)
    sent.then((problems) => {
      if (oversized > 0) problems.push(`${oversized} point(s) larger than ${this.#maxBytes} bytes`)
      resultCallback(
        problems.length === 0
          ? { code: ExportResultCode.SUCCESS }
          : { code: ExportResultCode.FAILED, error: new Error(`metric export: ${problems.join('; ')}`) },
      )
    })
  }

  async forceFlush(): Promise<void> {
    await this.#inFlight
  }

  async shutdown(): Promise<void> {
    await this.forceFlush()
    this.#shutdown = true
  }

  /** Bodies waiting for a retry. */
  get pending(): number {
    return this.#pending.length
  }

  async #send(fresh: Uint8Array[]): Promise<string[]> {
    const problems: string[] = []
    const queue = [...this.#pending, ...fresh]
    this.#pending = []
    while (queue.length > 0) {
      const body = queue.shift() as Uint8Array
      if (Date.now() < this.#retryAt) {
        this.#keep(body, problems)
        continue
      }
      try {
        const response = await this.#fetch(this.#endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body as BodyInit,
          keepalive: true,
          credentials: 'same-origin',
        })
        if (response.ok) continue
        if (RETRYABLE(response.status)) {
          const seconds = Number(response.headers.get('retry-after'))
          if (Number.isFinite(seconds) && seconds > 0) this.#retryAt = Date.now() + seconds * 1000
          this.#keep(body, problems)
        } else {
          problems.push(`server refused a batch with HTTP ${response.status}`)
        }
      } catch {
        this.#keep(body, problems)
      }
    }
    return problems
  }

  #keep(body: Uint8Array, problems: string[]): void {
    this.#pending.push(body)
    if (this.#pending.length > this.#maxPending) {
      this.#pending.shift()
      problems.push('retry queue full: dropped the oldest batch')
    }
  }
}
