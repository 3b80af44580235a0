import { ATTR } from '@feature-analytics/schema'
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
  /** Attributes of the measurement that are not on the series; only EXEMPLAR_ATTRIBUTES, never PII. */
  readonly filteredAttributes: Attributes
}

export interface WithExemplars {
  exemplars?: readonly Exemplar[]
}

/**
 * What an exemplar may carry beyond the series' own attributes: the tenant (latency series have
 * no tenant.id, and "which tenant was slow" is the first question). User ids, e-mails and anything
 * else a span may hold stay on the span.
 */
export const EXEMPLAR_ATTRIBUTES: readonly string[] = [ATTR.tenantId]

/**
 * Prometheus refuses an exemplar whose labels (names and values, trace_id and span_id included)
 * exceed 128 characters; trace_id + span_id take 63, `tenant_id` 9, so a longer tenant is left off.
 */
const MAX_TENANT_LENGTH = 56
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
  tenant: string | undefined
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
    tenant?: string,
  ): void {
    const seq = ++this.#seq
    const timeMs = Date.now()
    const slot = slots[index]
    if (slot === undefined) {
      slots[index] = { traceId: spanContext.traceId, spanId: spanContext.spanId, value, timeMs, tenant, seq }
      return
    }
    slot.traceId = spanContext.traceId
    slot.spanId = spanContext.spanId
    slot.value = value
    slot.timeMs = timeMs
    slot.tenant = tenant
    slot.seq = seq
  }
}

/** The slots offered to after `since` (a reader's cursor), as exemplars; undefined when none. */
export function exemplarsSince(
  slots: readonly (ExemplarSlot | undefined)[] | undefined,
  since: number,
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
      filteredAttributes: filteredAttributes(slot.tenant),
    })
  }
  return out
}

function filteredAttributes(tenant: string | undefined): Attributes {
  if (tenant === undefined || tenant.length > MAX_TENANT_LENGTH || EMAIL.test(tenant)) return {}
  return { [ATTR.tenantId]: tenant }
}
