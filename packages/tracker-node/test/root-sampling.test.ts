import {
  type TracerProvider as ApiTracerProvider,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { afterEach, describe, expect, it } from 'vitest'
import { PooledRandomIdGenerator, ratioUpperBound, startTelemetry, withRatioRoots } from '../src/index.ts'

const RATIO = 0.1
const ROOTS = 20_000
// Binomial(20 000, 0.1): sd 42; 6 sd either side.
const SHARE_BOUNDS = [ROOTS * RATIO - 255, ROOTS * RATIO + 255] as const

/** The ratio sampler's test on a hex trace id: the XOR of its 32-bit words below the bound. */
const picked = (traceId: string) => {
  let x = 0
  for (let w = 0; w < 32; w += 8) x = (x ^ Number.parseInt(traceId.slice(w, w + 8), 16)) >>> 0
  return x < ratioUpperBound(RATIO)
}

function setup() {
  const exporter = new InMemorySpanExporter()
  const ids = new PooledRandomIdGenerator()
  const sdk = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(RATIO) }),
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  })
  return { exporter, tracer: withRatioRoots(sdk, ids, RATIO).getTracer('test') }
}

function startRoots(provider: ApiTracerProvider | ReturnType<typeof setup>['tracer']) {
  const tracer = 'getTracer' in provider ? provider.getTracer('test') : provider
  const spans: Span[] = []
  for (let i = 0; i < ROOTS; i++)
    spans.push(tracer.startSpan('GET /', { kind: SpanKind.SERVER }, ROOT_CONTEXT))
  return spans
}

const remoteParent = (traceId: string, flags: TraceFlags) =>
  new W3CTraceContextPropagator().extract(
    ROOT_CONTEXT,
    { traceparent: `00-${traceId}-00f067aa0ba902b7-0${flags}` },
    { get: (carrier, key) => carrier[key as keyof typeof carrier], keys: Object.keys },
  )

describe('withRatioRoots', () => {
  it('records the standard share of roots, exactly those whose trace id the ratio sampler picks', () => {
    const { exporter, tracer } = setup()
    const spans = startRoots(tracer)
    for (const span of spans) span.end()
    const recorded = spans.filter(
      (span) => span.isRecording() || span.spanContext().traceFlags & TraceFlags.SAMPLED,
    )
    expect(recorded.length).toBeGreaterThan(SHARE_BOUNDS[0])
    expect(recorded.length).toBeLessThan(SHARE_BOUNDS[1])
    expect(exporter.getFinishedSpans()).toHaveLength(recorded.length)
    // Same id, same decision: no root is sampled twice over (which would leave 1%, not 10%).
    expect(
      spans.filter(
        (span) =>
          picked(span.spanContext().traceId) !== Boolean(span.spanContext().traceFlags & TraceFlags.SAMPLED),
      ),
    ).toEqual([])
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(ROOTS)
    for (const span of spans.slice(0, 1000)) expect(trace.isSpanContextValid(span.spanContext())).toBe(true)
  })

  it("follows a caller's sampled traceparent even when the ratio would drop its trace id", () => {
    const { exporter, tracer } = setup()
    const traceId = 'ffffffff000000000000000000000001'
    expect(picked(traceId)).toBe(false)
    const span = tracer.startSpan(
      'GET /',
      { kind: SpanKind.SERVER },
      remoteParent(traceId, TraceFlags.SAMPLED),
    )
    span.end()
    expect(span.spanContext().traceId).toBe(traceId)
    const [finished] = exporter.getFinishedSpans()
    expect(finished?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7')
  })

  it("keeps a caller's unsampled traceparent (propagated, not recorded) even when the ratio would pick it", () => {
    const { exporter, tracer } = setup()
    const traceId = '00000000000000000000000000000001'
    expect(picked(traceId)).toBe(true)
    const span = tracer.startSpan('GET /', { kind: SpanKind.SERVER }, remoteParent(traceId, TraceFlags.NONE))
    span.end()
    expect(span.isRecording()).toBe(false)
    expect(span.spanContext()).toMatchObject({ traceId, traceFlags: TraceFlags.NONE })
    expect(exporter.getFinishedSpans()).toEqual([])
  })

  it("gives an unpicked root's children its trace id, unrecorded; a picked root's children are recorded", () => {
    const { tracer } = setup()
    const roots = startRoots(tracer).slice(0, 500)
    for (const root of roots) {
      const child = tracer.startActiveSpan(
        'feature.search',
        {},
        trace.setSpan(ROOT_CONTEXT, root),
        (span) => {
          return span
        },
      )
      expect(child.spanContext().traceId).toBe(root.spanContext().traceId)
      expect(child.isRecording()).toBe(root.isRecording())
    }
  })
})

describe('startTelemetry and root sampling', () => {
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const undo of cleanup.splice(0)) await undo()
  })

  it('registers tracers that sample the default share of roots and follow W3C parents', async () => {
    const exporter = new InMemorySpanExporter()
    const telemetry = startTelemetry({
      serviceName: 'saas-api',
      shutdownSignals: false,
      exportIntervalMillis: 3_600_000,
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    })
    cleanup.push(() => telemetry.shutdown())
    expect(telemetry.sampling).toBe('parentbased_traceidratio(0.1)')
    const spans = startRoots(trace.getTracerProvider())
    const sampled = spans.filter((span) => span.isRecording()).length
    expect(sampled).toBeGreaterThan(SHARE_BOUNDS[0])
    expect(sampled).toBeLessThan(SHARE_BOUNDS[1])
    const parent = propagation.extract(context.active(), {
      traceparent: '00-ffffffff000000000000000000000001-00f067aa0ba902b7-01',
    })
    expect(trace.getTracer('x').startSpan('GET /', {}, parent).isRecording()).toBe(true)
  })
})
