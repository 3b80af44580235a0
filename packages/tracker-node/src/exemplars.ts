import {
  type Attributes,
  context,
  type HrTime,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api'
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

/** The active span's context when it is sampled: only those traces can be found in a backend. */
export function sampledSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpanContext(context.active())
  if (spanContext === undefined || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return undefined
  return spanContext
}

/**
 * One exemplar slot, overwritten in place by the latest sampled measurement: recording allocates
 * nothing once a slot exists. `seq` orders offers so each reader can take only what is new to it.
 */
export interface ExemplarSlot {
  traceId: string
  spanId: string
  value: number
  timeMs: number
  /** The measurement's attributes as recorded; only the exemplar keys are read, at collection. */
  measured: Readonly<Record<string, unknown>>
  seq: number
}

/**
 * The reservoir: a fixed number of slots per series (one per histogram bucket, one for a counter),
 * the latest measurement kept in each. Memory is bounded by series x slots, whatever the traffic.
 */
export class ExemplarReservoir {
  #seq = 0

  /** The latest sequence number handed out; a reader remembers it as its cursor. */
  get seq(): number {
    return this.#seq
  }

  /** Writes the measurement into `slots[index]`; call only with a sampled span context. */
  offer(
    slots: (ExemplarSlot | undefined)[],
    index: number,
    spanContext: SpanContext,
    value: number,
    measured: Readonly<Record<string, unknown>>,
  ): void {
    const seq = ++this.#seq
    const timeMs = Date.now()
    const slot = slots[index]
    if (slot === undefined) {
      slots[index] = {
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        value,
        timeMs,
        measured,
        seq,
      }
      return
    }
    slot.traceId = spanContext.traceId
    slot.spanId = spanContext.spanId
    slot.value = value
    slot.timeMs = timeMs
    slot.measured = measured
    slot.seq = seq
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
