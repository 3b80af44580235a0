import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { isTracingSuppressed } from '@opentelemetry/core'
import type { PooledRandomIdGenerator } from './id-generator.ts'

/** TraceIdRatioBasedSampler's bound for a ratio (sdk-trace 3.1): picked when below it. */
export function ratioUpperBound(ratio: number): number {
  if (!(ratio > 0)) return 0
  return ratio >= 1 ? 2 ** 32 : Math.floor(ratio * 4294967295)
}

/**
 * A tracer that decides root spans (no valid parent in the context) before the SDK builds
 * anything, for a tracer provider whose sampler is parentbased_traceidratio(ratio) and whose ids
 * come from `ids`. The root's trace id is drawn first and given the ratio sampler's own test; an
 * unpicked root (nine in ten at the default ratio) is a non-recording span around that trace id
 * and a fresh span id, which is what the SDK would have returned, minus its sampler, attribute
 * and link copying and span metrics (about a microsecond a request; loadtest/README.md). A picked
 * root, and every span with a parent, is the SDK's: its sampler sees the same trace id and agrees,
 * so the sampled share and the trace ids are those of the standard sampler, and parents (a
 * caller's traceparent, sampled or not) are honoured exactly as before.
 */
class RatioRootTracer implements Tracer {
  readonly #tracer: Tracer
  readonly #ids: PooledRandomIdGenerator
  readonly #upperBound: number

  constructor(tracer: Tracer, ids: PooledRandomIdGenerator, upperBound: number) {
    this.#tracer = tracer
    this.#ids = ids
    this.#upperBound = upperBound
  }

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx)
    if ((parent === undefined || !isSpanContextValid(parent)) && !isTracingSuppressed(ctx)) {
      const traceId = this.#ids.unpickedRootTraceId(this.#upperBound)
      if (traceId !== undefined) {
        return trace.wrapSpanContext({
          traceId,
          spanId: this.#ids.generateSpanId(),
          traceFlags: TraceFlags.NONE,
        })
      }
    }
    return this.#tracer.startSpan(name, options, ctx)
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = args[args.length - 1] as F
    const options = args.length > 1 ? (args[0] as SpanOptions) : undefined
    const parent = args.length > 2 ? (args[1] as Context) : context.active()
    const span = this.startSpan(name, options, parent)
    return context.with(trace.setSpan(parent, span), fn as (span: Span) => ReturnType<F>, undefined, span)
  }
}

/**
 * `provider` with its tracers deciding unpicked roots up front (RatioRootTracer). Only for a
 * provider built with `ids` as its idGenerator and parentbased_traceidratio(ratio) as its sampler.
 */
export function withRatioRoots(
  provider: TracerProvider,
  ids: PooledRandomIdGenerator,
  ratio: number,
): TracerProvider {
  const upperBound = ratioUpperBound(ratio)
  const tracers = new Map<string, Tracer>()
  return {
    getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
      const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`
      let tracer = tracers.get(key)
      if (tracer === undefined) {
        tracer = new RatioRootTracer(provider.getTracer(name, version, options), ids, upperBound)
        tracers.set(key, tracer)
      }
      return tracer
    },
  }
}
