import { EXEMPLAR_SPAN_ATTRIBUTE } from '@feature-analytics/schema'
import { type Attributes, context, type HrTime, type Span, TraceFlags, trace } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'

/**
 * An OTLP exemplar: one measurement with the trace it happened in. The SDK's point types have no
 * exemplars (OpenTelemetry JS records none), so our data points carry them in this extra field and
 * our OTLP serializers (otlp-exemplars.ts) put them on the wire.
 */
export interface Exemplar {
  readonly traceId: string
  readonly spanId: string
  readonly value: number
  readonly time: HrTime
  /** Measurement attributes kept off the series: only the table's `exemplarAttributes`, never PII. */
  readonly filteredAttributes: Attributes
}

export interface WithExemplars {
  exemplars?: readonly Exemplar[]
}

/**
 * Prometheus drops an exemplar's attributes when its labels (names and values, trace_id and span_id
 * included) exceed 128 characters; trace_id + span_id take 63, so values are kept well short.
 */
const MAX_VALUE_LENGTH = 48
/** An e-mail address is never an exemplar attribute, whatever key it arrives under. */
const EMAIL = /@/

/** The active span when it is sampled: only those traces can be found in a backend. */
export function sampledSpan(): Span | undefined {
  const span = trace.getSpan(context.active())
  if (span === undefined || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return undefined
  return span
}

/**
 * One exemplar slot, reused in place: recording allocates nothing once a slot exists. `seq` orders
 * offers so each reader can take only what is new to it; `interval` is the collection interval
 * the slot was taken in.
 */
export interface ExemplarSlot {
  traceId: string
  spanId: string
  value: number
  timeMs: number
  /** The measurement's attributes as recorded; only the exemplar keys are read, at collection. */
  measured: Readonly<Record<string, unknown>>
  seq: number
  interval: number
}

/**
 * The reservoir: a fixed number of slots per series (one per histogram bucket, one for a counter).
 * Each slot takes the first sampled measurement of every collection interval and keeps it until
 * the next collection, and the span it came from is marked with EXEMPLAR_SPAN_ATTRIBUTE at that
 * moment, while it is still open: the Collector's tail sampler keeps the traces so marked, so every
 * exemplar exported can be followed to its trace. The decision is made when the measurement is
 * recorded because that is the last moment the span can still be changed; "latest kept" would mark
 * every sampled span (each one replaces the last) and defeat tail sampling. Memory is bounded by
 * series x slots, and the marked spans by series x slots per collection, whatever the traffic.
 */
export class ExemplarReservoir {
  #seq = 0
  #interval = 0

  /** The latest sequence number handed out; a reader remembers it as its cursor. */
  get seq(): number {
    return this.#seq
  }

  /** A collection happened: every slot takes the next sampled measurement again. */
  nextInterval(): void {
    this.#interval++
  }

  /**
   * Takes the measurement into `slots[index]` unless the slot was already taken this interval;
   * call only with a sampled span. A span this process still records gets the mark; a sampled
   * span context alone (a remote parent without a local span) cannot carry one, so its trace is
   * kept only when the Collector's other policies keep it.
   */
  offer(
    slots: (ExemplarSlot | undefined)[],
    index: number,
    span: Span,
    value: number,
    measured: Readonly<Record<string, unknown>>,
  ): void {
    const slot = slots[index]
    if (slot !== undefined && slot.interval === this.#interval) return
    const spanContext = span.spanContext()
    if (span.isRecording()) span.setAttribute(EXEMPLAR_SPAN_ATTRIBUTE, true)
    const seq = ++this.#seq
    const timeMs = Date.now()
    const interval = this.#interval
    if (slot === undefined) {
      slots[index] = {
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        value,
        timeMs,
        measured,
        seq,
        interval,
      }
      return
    }
    slot.traceId = spanContext.traceId
    slot.spanId = spanContext.spanId
    slot.value = value
    slot.timeMs = timeMs
    slot.measured = measured
    slot.seq = seq
    slot.interval = interval
  }
}

/**
 * The slots offered to after `since` (a reader's cursor), as exemplars carrying the measurement's
 * `keys` (the table's exemplarAttributes); undefined when none.
 */
export function exemplarsSince(
  slots: readonly (ExemplarSlot | undefined)[] | undefined,
  since: number,
  keys: readonly string[],
): Exemplar[] | undefined {
  if (slots === undefined) return undefined
  let out: Exemplar[] | undefined
  for (const slot of slots) {
    if (slot === undefined || slot.seq <= since) continue
    out ??= []
    out.push({
      traceId: slot.traceId,
      spanId: slot.spanId,
      value: slot.value,
      time: millisToHrTime(slot.timeMs),
      filteredAttributes: filteredAttributes(slot.measured, keys),
    })
  }
  return out
}

function filteredAttributes(
  measured: Readonly<Record<string, unknown>>,
  keys: readonly string[],
): Attributes {
  const out: Attributes = {}
  for (const key of keys) {
    const value = measured[key]
    if (typeof value === 'string' && value.length <= MAX_VALUE_LENGTH && !EMAIL.test(value)) out[key] = value
  }
  return out
}
