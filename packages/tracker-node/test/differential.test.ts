import {
  ATTR,
  type AttributeValues,
  instrumentEntries,
  LATENCY_BUCKETS_MS,
  METERS,
  METRICS,
  type ObservedInstrument,
  PLANS,
  RETENTION_OUTCOMES,
  type RecordedInstrument,
} from '@feature-analytics/schema'
import { normalize, testReader } from '@feature-analytics/test-support/metrics'
import {
  createFeatureTracker,
  type FeatureRecorder,
  type FeatureSession,
  type FeatureTracker,
  InMemoryAdoptionStore,
  OtelRecorder,
} from '@feature-analytics/tracker'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FeatureAggregator } from '../src/index.ts'

const catalog = {
  report_export: { category: 'reporting' },
  search: { category: 'discovery' },
  sso_configure: { category: 'security' },
}
const limits = { maxTenants: 3, maxValueLength: 32 }
const feature = fc.constantFrom(...Object.keys(catalog), 'teleport')
const plan = fc.constantFrom(...PLANS, 'gold')
const userId = fc.constantFrom('u-1', 'u-2', 'u-3', 'u-4', 'u-5', '')
const tenantId = fc.constantFrom('t-1', 't-2', 't-3', 't-4', 't-5')
const outcome = fc.constantFrom('success', 'error')

type Command =
  | {
      kind: 'use'
      feature: string
      userId: string
      tenantId: string
      plan: string
      outcome: string
      durationMs?: unknown
    }
  | { kind: 'session'; feature: string; userId: string; plan: string }
  | { kind: 'end' }
  | { kind: 'plan'; tenantId: string; from: string; to: string }
  | { kind: 'renew'; tenantId: string; plan: string; outcome: string }
  | { kind: 'collect' }

// Values on a bucket boundary decide which side of it they fall; draw them often.
const onBoundary = fc.constantFrom(0, ...LATENCY_BUCKETS_MS)

const command = (anyDuration: fc.Arbitrary<unknown>): fc.Arbitrary<Command> => {
  const duration = fc.oneof(anyDuration, onBoundary)
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('use' as const),
        feature,
        userId,
        tenantId,
        plan,
        outcome,
        durationMs: fc.option(duration, { nil: undefined }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('session' as const), feature, userId, plan }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'end' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('plan' as const), tenantId, from: plan, to: plan }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('renew' as const),
        tenantId,
        plan,
        outcome: fc.constantFrom(...RETENTION_OUTCOMES),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'collect' as const }) },
  )
}

/** One tracker over the SDK's own instruments, one over FeatureAggregator, fed the same commands. */
function twoPaths() {
  const sdkReader = testReader()
  const sdkProvider = new MeterProvider({ readers: [sdkReader] })
  const aggregator = new FeatureAggregator()
  const fastReader = testReader([aggregator])
  const fastProvider = new MeterProvider({ readers: [fastReader] })
  const trackers = [
    createFeatureTracker({
      catalog,
      limits,
      meterProvider: sdkProvider,
      adoptionStore: new InMemoryAdoptionStore(),
    }),
    createFeatureTracker({
      catalog,
      limits,
      recorder: aggregator,
      adoptionStore: new InMemoryAdoptionStore(),
    }),
  ]
  const sessions: FeatureSession[][] = [[], []]

  async function run(c: Command, tracker: FeatureTracker, open: FeatureSession[]) {
    if (c.kind === 'use') await tracker.trackFeatureUsed(c as never)
    else if (c.kind === 'session') open.push(tracker.startFeatureSession(c.feature, c as never))
    else if (c.kind === 'end') open.shift()?.end()
    else if (c.kind === 'plan') await tracker.trackPlanChange(c as never)
    else if (c.kind === 'renew') await tracker.trackRetention(c as never)
  }

  return {
    async apply(c: Command) {
      if (c.kind === 'collect') return this.compare()
      for (const i of [0, 1] as const)
        await run(c, trackers[i] as FeatureTracker, sessions[i] as FeatureSession[])
    },
    async compare() {
      const [sdk, fast] = await Promise.all([sdkReader.collect(), fastReader.collect()])
      expect(normalize(fast)).toEqual(normalize(sdk))
      return normalize(sdk)
    },
    shutdown: () => Promise.all([sdkProvider.shutdown(), fastProvider.shutdown()]),
  }
}

/** A valid value for every metric attribute; typed by the schema, so a new attribute needs one here. */
const SAMPLE: AttributeValues = {
  [ATTR.featureName]: 'search',
  [ATTR.featureCategory]: 'discovery',
  [ATTR.userPlan]: 'pro',
  [ATTR.tenantId]: 't-1',
  [ATTR.outcome]: 'success',
  [ATTR.adoptionStage]: 'activated',
  [ATTR.uiElement]: 'search-box',
  [ATTR.planFrom]: 'pro',
  [ATTR.planTo]: 'enterprise',
  [ATTR.retentionOutcome]: 'retained',
  [ATTR.billingDecision]: 'upgrade',
  [ATTR.usageBand]: '3-9',
  [ATTR.reason]: 'invalid_value',
  [ATTR.activityWindow]: '7d',
}

/** Records one point on every instrument of the schema's table, straight from the table. */
function recordEveryInstrument(recorder: FeatureRecorder) {
  for (const [id, spec] of instrumentEntries()) {
    if (spec.kind === 'observableGauge') continue
    const attributes = Object.fromEntries(spec.attributes.map((key) => [key, SAMPLE[key]]))
    recorder.record(id as RecordedInstrument, attributes as never, 2)
  }
  for (const [id, spec] of instrumentEntries()) {
    if (spec.kind !== 'observableGauge') continue
    const attributes = Object.fromEntries(spec.attributes.map((key) => [key, SAMPLE[key]]))
    recorder.observe(id as ObservedInstrument, () => [{ attributes: attributes as never, value: 3 }])
  }
}

describe('FeatureAggregator vs the SDK (differential)', () => {
  it('exports every instrument of the schema table, exactly as the SDK does', async () => {
    const sdkReader = testReader()
    const sdkProvider = new MeterProvider({ readers: [sdkReader] })
    const aggregator = new FeatureAggregator()
    const fastReader = testReader([aggregator])
    const fastProvider = new MeterProvider({ readers: [fastReader] })
    recordEveryInstrument(new OtelRecorder(sdkProvider))
    recordEveryInstrument(aggregator)
    const [sdk, fast] = await Promise.all([sdkReader.collect(), fastReader.collect()])
    expect(normalize(fast).map((m) => m.descriptor.name)).toEqual(Object.values(METRICS).sort())
    expect(normalize(fast)).toEqual(normalize(sdk))
    await Promise.all([sdkProvider.shutdown(), fastProvider.shutdown()])
  })

  it('collects identical metric data for any event sequence (arbitrary durations, one collection)', async () => {
    const duration = fc.oneof(fc.double({ noNaN: false }), fc.double({ min: 0, max: 20_000, noNaN: true }))
    await fc.assert(
      fc.asyncProperty(fc.array(command(duration), { maxLength: 80 }), async (commands) => {
        const paths = twoPaths()
        for (const c of commands) if (c.kind !== 'collect') await paths.apply(c)
        await paths.compare()
        await paths.shutdown()
      }),
      { numRuns: 80 },
    )
  })

  it('stays identical across repeated cumulative collections', async () => {
    // Multiples of 1/8 ms add exactly in floating point, so sums cannot differ by addition order.
    const duration = fc.integer({ min: 0, max: 80_000_000 }).map((n) => n / 8)
    await fc.assert(
      fc.asyncProperty(fc.array(command(duration), { maxLength: 80 }), async (commands) => {
        const paths = twoPaths()
        for (const c of commands) await paths.apply(c)
        await paths.compare()
        await paths.shutdown()
      }),
      { numRuns: 60 },
    )
  })

  it('is not vacuous: a typical sequence produces every tracker metric', async () => {
    const paths = twoPaths()
    const use = { kind: 'use', feature: 'search', tenantId: 't-1', plan: 'pro', outcome: 'success' } as const
    for (let i = 0; i < 12; i++) await paths.apply({ ...use, userId: `u-${i % 5}`, durationMs: i * 3.5 })
    await paths.apply({ ...use, userId: 'u-1', tenantId: 't-9', plan: 'gold', durationMs: -1 })
    await paths.apply({ kind: 'session', feature: 'search', userId: 'u-1', plan: 'pro' })
    await paths.apply({ kind: 'plan', tenantId: 't-1', from: 'pro', to: 'enterprise' })
    await paths.apply({ ...use, userId: 'u-1', plan: 'enterprise' })
    await paths.apply({ kind: 'renew', tenantId: 't-1', plan: 'enterprise', outcome: 'retained' })
    const names = (await paths.compare()).map((m) => m.descriptor.name)
    // Every instrument of the table but the browser's (those arrive through the ingest's merges).
    const tracker = instrumentEntries().filter(([, spec]) => spec.meter !== METERS.frontend)
    expect(names).toEqual(tracker.map(([, spec]) => spec.name).sort())
    await paths.shutdown()
  })
})
