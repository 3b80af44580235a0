/**
 * What one tracked event costs (usage counter + latency histogram, 4 attributes), per path:
 *   sdk      the seed's direct OpenTelemetry SDK calls, an attribute object per call
 *   tracker  createFeatureTracker + FeatureAggregator: validation, tenant budget, distinct users,
 *            adoption bookkeeping (in-memory store) included; exemplars on (the default), called
 *            outside any span, as an unsampled request is: the cost is the context lookup
 *   noex     the same with exemplars off (FeatureAggregator({ exemplars: false }))
 *   sampled  the same with exemplars on, every event inside a recording, sampled SDK span (a 100%
 *            sampling ratio): a reservoir slot takes the first measurement of each collection
 *            interval and marks its span, so here, between collections, an event pays the context
 *            lookup and a slot check
 *   recorder FeatureAggregator's usage() + latency() alone, what the tracker adds on top of it
 *   prom     prom-client's Counter + Histogram with the same labels, the usual Node alternative
 *   map      plain Map increments under concatenated keys, one for the counter and one for the
 *            histogram bucket: the naive floor for the same two instruments
 * Modes run alternated (A B C D A B C D ...) in one process so drift hits all alike; the report
 * is the median of the rounds, and ratios rather than absolute times are what carry over.
 * The context manager is the one startTelemetry registers (AsyncLocalStorage), as in a service.
 * Run: npm run bench -w @feature-analytics/tracker-node [-- --rounds 9 --events 200000]
 */
import { parseArgs } from 'node:util'
import { ATTR, LATENCY_BUCKETS_MS, METRICS, PLANS } from '@feature-analytics/schema'
import { testReader } from '@feature-analytics/test-support/metrics'
import { createFeatureTracker, InMemoryAdoptionStore } from '@feature-analytics/tracker'
import { type Context, context, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { AlwaysOnSampler, TracerProvider } from '@opentelemetry/sdk-trace'
import { Counter, Histogram, Registry } from 'prom-client'
import { FeatureAggregator } from '../src/index.ts'

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '9' }, events: { type: 'string', default: '200000' } },
})
const ROUNDS = Number(values.rounds)
const EVENTS = Number(values.events)

const catalog = {
  report_export: { category: 'reporting' },
  search: { category: 'discovery' },
  dashboard_create: { category: 'dashboards' },
  alert_create: { category: 'monitoring' },
}
const features = Object.keys(catalog) as (keyof typeof catalog)[]
// 1,000 distinct events cycled: 200 users over 50 tenants, all features and plans.
const events = Array.from({ length: 1000 }, (_, i) => ({
  feature: features[i % features.length] as keyof typeof catalog,
  userId: `user-${i % 200}`,
  tenantId: `tenant-${i % 50}`,
  plan: PLANS[i % PLANS.length] as (typeof PLANS)[number],
  durationMs: (i * 7.3) % 400,
  outcome: 'success' as const,
}))

function sdkPath() {
  const provider = new MeterProvider({ readers: [testReader()] })
  const meter = provider.getMeter('product.features')
  const usage = meter.createCounter(METRICS.usage)
  const latency = meter.createHistogram(METRICS.latency, { unit: 'ms' })
  return (e: (typeof events)[number]) => {
    const attributes = {
      [ATTR.featureName]: e.feature,
      [ATTR.featureCategory]: catalog[e.feature].category,
      [ATTR.userPlan]: e.plan,
      [ATTR.tenantId]: e.tenantId,
    }
    usage.add(1, attributes)
    latency.record(e.durationMs, attributes)
  }
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const SAMPLED: Context = trace.setSpan(
  ROOT_CONTEXT,
  new TracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('bench').startSpan('GET /api/search'),
)

function trackerPath(exemplars = true) {
  const aggregator = new FeatureAggregator({ exemplars })
  const tracker = createFeatureTracker({
    catalog,
    recorder: aggregator,
    adoptionStore: new InMemoryAdoptionStore(),
  })
  return (e: (typeof events)[number]) => {
    void tracker.trackFeatureUsed(e)
  }
}

function recorderPath() {
  const aggregator = new FeatureAggregator()
  return (e: (typeof events)[number]) => {
    const category = catalog[e.feature].category
    // Literal keys, as the tracker writes them on this path (see CONTRIBUTING.md, "Add a metric").
    const usage = {
      'feature.name': e.feature,
      'feature.category': category,
      'user.plan': e.plan,
      'tenant.id': e.tenantId,
      'feature.outcome': e.outcome,
    } as const
    aggregator.record('usage', usage, 1)
    const latency = {
      'feature.name': e.feature,
      'feature.category': category,
      'user.plan': e.plan,
      'tenant.id': e.tenantId,
    } as const
    aggregator.record('latency', latency, e.durationMs)
  }
}

function promPath() {
  const registers = [new Registry()]
  const labelNames = ['feature_name', 'feature_category', 'user_plan', 'tenant_id'] as const
  const usage = new Counter({ name: 'product_feature_usage_total', help: 'usage', labelNames, registers })
  const latency = new Histogram({
    name: 'product_feature_latency_milliseconds',
    help: 'latency',
    labelNames: labelNames.slice(0, 3),
    buckets: [...LATENCY_BUCKETS_MS],
    registers,
  })
  return (e: (typeof events)[number]) => {
    const category = catalog[e.feature].category
    usage.inc({
      feature_name: e.feature,
      feature_category: category,
      user_plan: e.plan,
      tenant_id: e.tenantId,
    })
    latency.observe({ feature_name: e.feature, feature_category: category, user_plan: e.plan }, e.durationMs)
  }
}

function mapPath() {
  const counts = new Map<string, number>()
  const buckets = new Map<string, number>()
  return (e: (typeof events)[number]) => {
    const key = `${e.feature}|${e.plan}|${e.tenantId}|${e.outcome}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
    // The histogram as naively as the counter: find the bucket, count it under its own key.
    let bucket = 0
    while (bucket < LATENCY_BUCKETS_MS.length && e.durationMs > (LATENCY_BUCKETS_MS[bucket] as number))
      bucket++
    const bucketKey = `${e.feature}|${e.plan}|${bucket}`
    buckets.set(bucketKey, (buckets.get(bucketKey) ?? 0) + 1)
  }
}

const modes = {
  sdk: sdkPath(),
  tracker: trackerPath(),
  noex: trackerPath(false),
  sampled: trackerPath(),
  recorder: recorderPath(),
  prom: promPath(),
  map: mapPath(),
}
type Mode = keyof typeof modes

function run(mode: Mode): number {
  const record = modes[mode]
  // The sampled mode runs inside a sampled span; the others outside any span.
  return context.with(mode === 'sampled' ? SAMPLED : ROOT_CONTEXT, () => {
    const started = performance.now()
    for (let i = 0; i < EVENTS; i++) record(events[i % events.length] as (typeof events)[number])
    return ((performance.now() - started) * 1e6) / EVENTS // ns per event
  })
}

const MODES = Object.keys(modes) as Mode[]
for (const mode of MODES) run(mode) // warm-up: JIT and first series
const samples = Object.fromEntries(MODES.map((m) => [m, [] as number[]])) as Record<Mode, number[]>
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) samples[mode].push(run(mode))
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const ns = Object.fromEntries(Object.entries(samples).map(([m, xs]) => [m, median(xs)])) as Record<
  Mode,
  number
>
// Each round's modes ran back to back under the same machine load, so their ratio is the robust figure.
const ratio = (a: Mode, b: Mode) => median(samples[a].map((x, i) => x / (samples[b][i] as number)))

console.log(`events per round ${EVENTS}, rounds ${ROUNDS}, modes alternated: ${Object.keys(modes).join(' ')}`)
for (const mode of Object.keys(ns) as Mode[])
  console.log(`${mode.padEnd(9)} ${ns[mode].toFixed(0).padStart(6)} ns/event (median)`)
console.log('median of per-round ratios:')
console.log(`  sdk / tracker  = ${ratio('sdk', 'tracker').toFixed(2)}x   (design bar: >= 5x)`)
console.log(`  sdk / recorder = ${ratio('sdk', 'recorder').toFixed(2)}x`)
console.log(
  `  prom / tracker = ${ratio('prom', 'tracker').toFixed(2)}x   (design bar: > 1, cheaper than prom-client)`,
)
console.log(`  prom / recorder = ${ratio('prom', 'recorder').toFixed(2)}x`)
console.log(`  tracker / map  = ${ratio('tracker', 'map').toFixed(2)}x`)
// The exemplar ratios are small effects: their spread over rounds says how far to trust them.
const quartiles = (a: Mode, b: Mode) => {
  const xs = samples[a].map((x, i) => x / (samples[b][i] as number)).sort((x, y) => x - y)
  const at = (q: number) => (xs[Math.floor(q * (xs.length - 1))] as number).toFixed(2)
  return `rounds' interquartile range ${at(0.25)}-${at(0.75)}`
}
console.log(
  `  tracker / noex = ${ratio('tracker', 'noex').toFixed(2)}x   (exemplars on, unsampled; ${quartiles('tracker', 'noex')})`,
)
console.log(
  `  sampled / noex = ${ratio('sampled', 'noex').toFixed(2)}x   (exemplars on, all sampled; ${quartiles('sampled', 'noex')})`,
)
console.log(`  recorder / map = ${ratio('recorder', 'map').toFixed(2)}x`)
