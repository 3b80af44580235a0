import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { ATTR, EXEMPLAR_SPAN_ATTRIBUTE, LATENCY_BUCKETS_MS, METRICS } from '@feature-analytics/schema'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { type Context, context, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import type { CollectionResult } from '@opentelemetry/sdk-metrics'
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Exemplar, WithExemplars } from '../src/exemplars.ts'
import { cardinalityLimit, FeatureAggregator } from '../src/index.ts'

// A real collection, not a guess: the heap is measured after a full GC.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const catalog = { report_export: { category: 'reporting' }, search: { category: 'discovery' } }

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
})
afterAll(() => {
  context.disable()
})

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
const spanContext = (i: number, sampled = true): SpanContext => ({
  traceId: hex(i + 1, 32),
  spanId: hex(i + 1, 16),
  traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
})
const inSpan = (sc: SpanContext): Context => trace.setSpanContext(ROOT_CONTEXT, sc)

/** Every exemplar of a collection, with its metric and the point's attributes. */
function exemplarsOf(result: CollectionResult) {
  return result.resourceMetrics.scopeMetrics.flatMap(({ metrics }) =>
    metrics.flatMap((m) =>
      (m.dataPoints as (WithExemplars & { attributes: object })[]).flatMap((p) =>
        (p.exemplars ?? []).map((e: Exemplar) => ({ metric: m.descriptor.name, point: p.attributes, ...e })),
      ),
    ),
  )
}

describe('exemplars', () => {
  it('come from sampled spans only: trace id, span id, value and the tenant kept off the latency series', async () => {
    const aggregator = new FeatureAggregator()
    const tracker = createFeatureTracker({ catalog, recorder: aggregator })
    const use = {
      feature: 'report_export',
      userId: 'u-1',
      tenantId: 'acme',
      plan: 'pro',
      durationMs: 320,
    } as const
    await context.with(inSpan(spanContext(1)), () => tracker.trackFeatureUsed(use))
    await context.with(inSpan(spanContext(2, false)), () =>
      tracker.trackFeatureUsed({ ...use, durationMs: 7 }),
    )
    await tracker.trackFeatureUsed({ ...use, durationMs: 8 }) // no span at all

    const exemplars = exemplarsOf(await aggregator.collect())
    const sampled = spanContext(1)
    expect(exemplars.map(({ time: _, ...e }) => e)).toEqual([
      {
        metric: METRICS.usage,
        point: expect.objectContaining({ [ATTR.tenantId]: 'acme' }),
        traceId: sampled.traceId,
        spanId: sampled.spanId,
        value: 1,
        filteredAttributes: {},
      },
      {
        metric: METRICS.latency,
        point: expect.not.objectContaining({ [ATTR.tenantId]: 'acme' }),
        traceId: sampled.traceId,
        spanId: sampled.spanId,
        value: 320,
        filteredAttributes: { [ATTR.tenantId]: 'acme' },
      },
    ])
    const [seconds] = exemplars[0]?.time ?? [0]
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(5)
  })

  it('keep the first per histogram bucket per collection, and each reader gets each exemplar once', async () => {
    const aggregator = new FeatureAggregator()
    const reader = aggregator.producer()
    const attributes = {
      [ATTR.featureName]: 'search',
      [ATTR.featureCategory]: 'discovery',
      [ATTR.userPlan]: 'free' as const,
    }
    const latency = (i: number, ms: number) =>
      context.with(inSpan(spanContext(i)), () => aggregator.record('latency', attributes, ms))
    latency(1, 30) // (25, 50]
    latency(2, 40) // (25, 50]: the bucket is taken this interval
    latency(3, 700) // (500, 1000]
    const values = async (collect: Promise<CollectionResult>) =>
      exemplarsOf(await collect)
        .map((e) => e.value)
        .sort((a, b) => a - b)
    expect(await values(reader.collect())).toEqual([30, 700])
    expect(await values(reader.collect())).toEqual([]) // nothing new for this reader
    latency(4, 45) // a new interval: the bucket takes it
    latency(5, 35)
    expect(await values(reader.collect())).toEqual([45])
    // The stateless collect() (and any other reader) still sees what every bucket holds.
    expect(await values(aggregator.collect())).toEqual([45, 700])
    expect(await values(aggregator.producer().collect())).toEqual([45, 700])
  })

  it('mark the span each exemplar comes from, and only those, so tail sampling keeps their traces', async () => {
    const spans = new InMemorySpanExporter()
    const provider = new TracerProvider({
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    })
    const tracer = provider.getTracer('test')
    const aggregator = new FeatureAggregator()
    const reader = aggregator.producer()
    const tracker = createFeatureTracker({ catalog, recorder: aggregator })
    const call = (durationMs: number) => {
      const span = tracer.startSpan('GET /api/reports/export')
      return context.with(trace.setSpan(ROOT_CONTEXT, span), async () => {
        await tracker.trackFeatureUsed({
          feature: 'report_export',
          userId: 'u',
          tenantId: 't',
          plan: 'pro',
          durationMs,
        })
        span.end()
      })
    }
    const marked = async () => {
      await provider.forceFlush()
      return new Set(
        spans
          .getFinishedSpans()
          .filter((s) => s.attributes[EXEMPLAR_SPAN_ATTRIBUTE] === true)
          .map((s) => s.spanContext().spanId),
      )
    }
    const exported = async (collect: Promise<CollectionResult>) =>
      new Set(exemplarsOf(await collect).map((e) => e.spanId))
    for (let i = 0; i < 20; i++) await call(30 + i) // one latency bucket, one usage series
    const first = await exported(reader.collect())
    expect(first.size).toBe(1)
    expect(await marked()).toEqual(first)
    for (let i = 0; i < 20; i++) await call(700 + i) // the next interval, another bucket
    const second = await exported(reader.collect())
    // The usage series and the new bucket took the same (first) call of this interval.
    expect(second.size).toBe(1)
    expect(await marked()).toEqual(new Set([...first, ...second]))
    expect(spans.getFinishedSpans()).toHaveLength(40)
  })

  it('are off with exemplars: false', async () => {
    const aggregator = new FeatureAggregator({ exemplars: false })
    const tracker = createFeatureTracker({ catalog, recorder: aggregator })
    await context.with(inSpan(spanContext(1)), () =>
      tracker.trackFeatureUsed({ feature: 'search', userId: 'u', tenantId: 't', plan: 'pro', durationMs: 3 }),
    )
    expect(exemplarsOf(await aggregator.collect())).toEqual([])
  })

  it('never carry a user id or an e-mail address, whatever the tracker is given', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.emailAddress(), fc.string({ minLength: 1, maxLength: 80 })),
        fc.emailAddress(),
        async (tenantId, userId) => {
          const aggregator = new FeatureAggregator()
          const tracker = createFeatureTracker({ catalog, recorder: aggregator })
          // The span may hold user.id and an e-mail (spans are allowed to); the exemplar must not.
          await context.with(inSpan(spanContext(9)), () =>
            tracker.trackFeatureUsed({ feature: 'search', userId, tenantId, plan: 'pro', durationMs: 12 }),
          )
          const exemplars = exemplarsOf(await aggregator.collect())
          expect(exemplars.length).toBeGreaterThan(0)
          for (const e of exemplars) {
            expect(Object.keys(e.filteredAttributes)).not.toContain(ATTR.userId)
            const text = JSON.stringify(e.filteredAttributes)
            expect(text).not.toContain(userId)
            expect(text).not.toContain('@')
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('hold bounded memory under 10^6 events: at most one slot per bucket per series', async () => {
    const aggregator = new FeatureAggregator()
    const features = ['report_export', 'search', 'dashboard_create', 'alert_create']
    const plans = ['free', 'pro', 'enterprise'] as const
    const exemplarsAfter = async (events: number, offset: number) => {
      for (let batch = 0; batch < events / 1000; batch++) {
        // A new sampled trace every 1,000 events: 1,000 distinct traces per 10^6 events.
        context.with(inSpan(spanContext(offset + batch)), () => {
          for (let i = 0; i < 1000; i++) {
            const n = batch * 1000 + i
            const feature = features[n % features.length] as string
            const plan = plans[n % plans.length] as (typeof plans)[number]
            const tenant = `tenant-${n % 5000}`
            const ms = (n * 7.3) % 12_000
            aggregator.record(
              'usage',
              {
                [ATTR.featureName]: feature,
                [ATTR.featureCategory]: 'c',
                [ATTR.userPlan]: plan,
                [ATTR.tenantId]: tenant,
                [ATTR.outcome]: 'success',
              },
              1,
            )
            aggregator.record(
              'latency',
              {
                [ATTR.featureName]: feature,
                [ATTR.featureCategory]: 'c',
                [ATTR.userPlan]: plan,
                [ATTR.tenantId]: tenant,
              },
              ms,
            )
          }
        })
      }
      const exemplars = exemplarsOf(await aggregator.collect()).length
      gc()
      return { exemplars, heap: process.memoryUsage().heapUsed }
    }
    const afterFirst = await exemplarsAfter(100_000, 0)
    const afterAll = await exemplarsAfter(900_000, 100) // 10^6 in total
    const latencySeries = Math.min(features.length * plans.length, cardinalityLimit(METRICS.latency))
    // The cardinality limits cap the series (the rest share the overflow series).
    const usageSeries = cardinalityLimit(METRICS.usage)
    const bound = latencySeries * (LATENCY_BUCKETS_MS.length + 1) + usageSeries
    expect(afterFirst.exemplars).toBeLessThanOrEqual(bound)
    expect(afterAll.exemplars).toBeLessThanOrEqual(bound)
    // Nine times more events (9,000 more traces) leave the heap where it was: slots are overwritten
    // in place. Keeping one exemplar per event would take about 100 bytes each, some 90 MB here.
    expect(afterAll.heap - afterFirst.heap).toBeLessThan(8 * 1024 * 1024)
  }, 60_000)
})
