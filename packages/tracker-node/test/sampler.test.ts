import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api'
import { SamplingDecision } from '@opentelemetry/sdk-trace'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TRACES_SAMPLER_RATIO, samplerFromEnv, TelemetryConfigError } from '../src/index.ts'

/** Share of n distinct root trace ids the sampler keeps. */
function keptShare(env: Record<string, string>, n = 20_000): number {
  const { sampler } = samplerFromEnv(env)
  let kept = 0
  for (let i = 0; i < n; i++) {
    const traceId = (BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32)
    const result = sampler.shouldSample(ROOT_CONTEXT, traceId, 'GET /', SpanKind.SERVER, {}, [])
    if (result.decision === SamplingDecision.RECORD_AND_SAMPLED) kept++
  }
  return kept / n
}

const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: 'ffffffffffffffffffffffffffffffff', // above every ratio threshold: a root would be dropped
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
})

describe('samplerFromEnv', () => {
  it('defaults to a parent-based ratio sampler at the documented ratio', () => {
    expect(samplerFromEnv({}).description).toBe(`parentbased_traceidratio(${DEFAULT_TRACES_SAMPLER_RATIO})`)
    expect(keptShare({})).toBeCloseTo(DEFAULT_TRACES_SAMPLER_RATIO, 1)
  })

  it('follows a sampled parent from W3C trace context whatever the ratio', () => {
    const { sampler } = samplerFromEnv({ OTEL_TRACES_SAMPLER_ARG: '0' })
    const id = 'ffffffffffffffffffffffffffffffff'
    expect(sampler.shouldSample(ROOT_CONTEXT, id, 'GET /', SpanKind.SERVER, {}, []).decision).toBe(
      SamplingDecision.NOT_RECORD,
    )
    expect(sampler.shouldSample(sampledParent, id, 'GET /', SpanKind.SERVER, {}, []).decision).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    )
  })

  it('reads the standard variables', () => {
    expect(
      keptShare({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }),
    ).toBeCloseTo(0.5, 1)
    expect(keptShare({ OTEL_TRACES_SAMPLER: 'always_on' })).toBe(1)
    expect(keptShare({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' })).toBe(0)
    expect(
      samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).description,
    ).toBe('traceidratio(0.25)')
  })

  it('refuses an unknown sampler or a ratio outside [0, 1] with a typed error', () => {
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_ratio' })).toThrow(TelemetryConfigError)
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER_ARG: '10%' })).toThrow(/not a sampling ratio/)
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(TelemetryConfigError)
  })
})
