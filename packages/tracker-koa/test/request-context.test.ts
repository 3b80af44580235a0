import { createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { REQUEST_ROOT } from '../src/request-context.ts'

const KEYS = [createContextKey('a'), createContextKey('b'), createContextKey('c')]

type Step = { op: 'set'; key: number; value: number | undefined } | { op: 'delete'; key: number }
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    key: fc.integer({ min: 0, max: 2 }),
    value: fc.option(fc.integer(), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 2 }) }),
)

describe('the request root context', () => {
  it('answers every getValue as the API own context does, after any sequence of sets and deletes', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let ours = REQUEST_ROOT
        let api = ROOT_CONTEXT
        const history: [typeof ours, typeof api][] = [[ours, api]]
        for (const s of steps) {
          const key = KEYS[s.key] as symbol
          ours = s.op === 'set' ? ours.setValue(key, s.value) : ours.deleteValue(key)
          api = s.op === 'set' ? api.setValue(key, s.value) : api.deleteValue(key)
          history.push([ours, api])
        }
        // Every context built on the way still answers as it did: none was changed by a later step.
        for (const [o, a] of history) for (const key of KEYS) expect(o.getValue(key)).toBe(a.getValue(key))
      }),
    )
  })

  it('carries the span, the remote parent and the baggage that W3C propagation extracts', () => {
    // W3C trace context and baggage, as startTelemetry registers them.
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    )
    try {
      const headers = {
        traceparent: '00-4bf92f3577b34e0ea8f1c2d3a1b0c9e8-00f067aa0ba902b7-01',
        baggage: 'release=canary',
      }
      const ours = propagation.extract(REQUEST_ROOT, headers)
      const api = propagation.extract(ROOT_CONTEXT, headers)
      expect(trace.getSpanContext(ours)).toEqual(trace.getSpanContext(api))
      expect(trace.getSpanContext(ours)?.isRemote).toBe(true)
      expect(propagation.getBaggage(ours)?.getEntry('release')?.value).toBe('canary')
      const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 })
      expect(trace.getSpan(trace.setSpan(ours, span))).toBe(span)
      expect(trace.getSpan(trace.deleteSpan(trace.setSpan(ours, span)))).toBeUndefined()
    } finally {
      propagation.disable()
    }
  })
})
