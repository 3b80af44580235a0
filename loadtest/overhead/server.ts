/**
 * One Koa service with one feature route, started in one of the benchmark's modes. The `search`
 * route does next to nothing on purpose: whatever throughput it loses is the instrumentation's
 * cost. The `db` route does what a real route does: it writes a record to PostgreSQL through the
 * API's own store and reads it back (DATABASE_URL), so the same cost shows as a share of real work.
 *
 *   node loadtest/overhead/server.ts <mode> <port> [search|db]
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { RedisAdoptionStore } from '@feature-analytics/adoption-redis'
import { openStore, type Store } from '@feature-analytics/api/store'
import { LATENCY_BUCKETS_MS, METERS, METRICS, UNITS } from '@feature-analytics/schema'
import { createFeatureTracker } from '@feature-analytics/tracker'
import { featureTracking, serverSpan } from '@feature-analytics/tracker-koa'
import { FeatureAggregator, startTelemetry } from '@feature-analytics/tracker-node'
import Router from '@koa/router'
import { type Attributes, context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import Koa from 'koa'

export const MODES = [
  'none',
  'middleware',
  'tracker',
  'tracker-telemetry',
  'tracker-spans',
  'tracker-spans-unpicked',
  'tracker-spans-recorded',
  'tracker-context',
  'seed-metrics',
  'seed-spans',
  'tracker-redis',
  'tracker-redis-nowait',
] as const
/** Modes whose adoption store is Redis (REDIS_URL): the answer waits for it, or (nowait) does not. */
export const REDIS_MODES: readonly Mode[] = ['tracker-redis', 'tracker-redis-nowait']
export type Mode = (typeof MODES)[number]
/**
 * The modes with tracker-koa's serverSpan(), and the head sampler's ratio each sets through
 * OTEL_TRACES_SAMPLER_ARG (none: startTelemetry's default, 0.1). The other two split the
 * default's cost into its two paths: every request unpicked, or every request recorded.
 * `tracker-context` has no span at all: its first middleware only enters a fixed context holding
 * an unsampled span, the one step propagation cannot do without, so it is the floor of any
 * server span that keeps its sampling decision for what runs below it.
 */
export const SPAN_MODES: Partial<Record<Mode, { ratio?: string; contextOnly?: true }>> = {
  'tracker-spans': {},
  'tracker-spans-unpicked': { ratio: '0' },
  'tracker-spans-recorded': { ratio: '1' },
  'tracker-context': { contextOnly: true },
}
export const ROUTES = ['search', 'db'] as const
export type Route = (typeof ROUTES)[number]

const USER = { userId: 'u-1', tenantId: 't-1', plan: 'pro' as const }

/**
 * Where the bench's sampled spans go: each batch is let go as soon as it is handed over, as an
 * OTLP exporter lets go of a batch once it is sent. The network and the OTLP encoding
 * are left out, as for metrics; what stays is everything the request path pays, and the batch
 * processor holding spans until a batch is full (512) or 5 s have passed.
 */
export class DroppingSpanExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS })
  }

  async shutdown(): Promise<void> {}
}

/** Exports every 10 s like a real service would, into memory (nothing to measure in the network). */
function meterProvider(producers: FeatureAggregator[] = []): MeterProvider {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 10_000,
    metricProducers: producers,
  })
  return new MeterProvider({ readers: [reader] })
}

/** The seed article's decorator: direct SDK calls with four attributes, optionally a span per call. */
function seedDecorator(feature: string, withSpan: boolean): Koa.Middleware {
  const meter = meterProvider().getMeter(METERS.features)
  const usage = meter.createCounter(METRICS.usage, { unit: UNITS.count })
  const latency = meter.createHistogram(METRICS.latency, {
    unit: UNITS.milliseconds,
    advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS_MS] },
  })
  const tracer = trace.getTracer('seed')
  return async (_ctx, next) => {
    const span = withSpan ? tracer.startSpan(`feature.${feature}`) : undefined
    const started = performance.now()
    let outcome = 'success'
    try {
      await next()
    } catch (error) {
      outcome = 'error'
      throw error
    } finally {
      const attributes: Attributes = {
        'feature.name': feature,
        'feature.category': 'discovery',
        'user.plan': USER.plan,
        'feature.outcome': outcome,
      }
      usage.add(1, { ...attributes, 'tenant.id': USER.tenantId })
      latency.record(performance.now() - started, attributes)
      span?.end()
    }
  }
}

function instrumentation(mode: Mode, feature: string): Koa.Middleware[] {
  switch (mode) {
    case 'none':
      return []
    case 'middleware':
      // An empty async middleware: what any per-route middleware costs, before it does anything.
      return [async (_ctx, next) => await next()]
    case 'tracker': {
      const aggregator = new FeatureAggregator()
      meterProvider([aggregator])
      const tracker = createFeatureTracker({
        catalog: { [feature]: { category: 'discovery' } },
        recorder: aggregator,
      })
      return [featureTracking(tracker)(feature)]
    }
    case 'tracker-redis':
    case 'tracker-redis-nowait': {
      // As the sample API runs with REDIS_URL: every successful call adds to the user's count and
      // marks the tenant's feature in Redis. The default waits for that before answering.
      if (!process.env.REDIS_URL) throw new Error(`mode ${mode} needs REDIS_URL`)
      const aggregator = new FeatureAggregator()
      meterProvider([aggregator])
      const tracker = createFeatureTracker({
        catalog: { [feature]: { category: 'discovery' } },
        recorder: aggregator,
        adoptionStore: new RedisAdoptionStore({ url: process.env.REDIS_URL }),
      })
      return [featureTracking(tracker, { storeWaitMs: mode === 'tracker-redis' ? 1000 : 0 })(feature)]
    }
    case 'tracker-telemetry':
    case 'tracker-spans':
    case 'tracker-spans-unpicked':
    case 'tracker-spans-recorded':
    case 'tracker-context':
      // Added by appMiddleware: a server span per request (or, for tracker-context, only its context).
      return instrumentation('tracker', feature)
    case 'seed-metrics':
      return [seedDecorator(feature, false)]
    case 'seed-spans': {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
      const exporter = new DroppingSpanExporter()
      trace.setGlobalTracerProvider(
        new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] }),
      )
      return [seedDecorator(feature, true)]
    }
  }
}

/** The tenant the db route writes for; its row must exist (records reference it). */
const TENANT = { id: USER.tenantId, name: 'Bench', plan: USER.plan, status: 'active' as const }

/** An empty records table and the bench tenant, so every mode's run starts from the same state. */
export async function prepareDatabase(store: Store, truncate: () => Promise<void>): Promise<void> {
  await truncate()
  const createdAt = new Date().toISOString()
  await store.createTenantWithOwner(
    { ...TENANT, createdAt },
    {
      id: USER.userId,
      tenantId: TENANT.id,
      name: 'Bench',
      email: 'bench@example.com',
      role: 'owner',
      passwordHash: 'none',
      createdAt,
    },
  )
}

/**
 * "tracker + sampled spans": what the sample API runs. startTelemetry with its default head
 * sampler (OTEL_TRACES_SAMPLER unset: parent-based ratio 0.1), W3C propagators and the
 * AsyncLocalStorage context manager, and tracker-koa's serverSpan() on every request. Sampled
 * spans go through a batch processor to a DroppingSpanExporter.
 */
function appMiddleware(mode: Mode): Koa.Middleware[] {
  const spans = SPAN_MODES[mode]
  if (spans === undefined && mode !== 'tracker-telemetry') return []
  if (spans?.ratio !== undefined) {
    process.env.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio'
    process.env.OTEL_TRACES_SAMPLER_ARG = spans.ratio
  }
  const exporter = new DroppingSpanExporter()
  const telemetry = startTelemetry({
    serviceName: 'bench',
    exportIntervalMillis: 10_000,
    metricExporters: [new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)],
    spanProcessors: [new BatchSpanProcessor({ exporter })],
    shutdownSignals: false,
  })
  console.error(`bench: ${mode} samples with ${telemetry.sampling}`)
  if (spans?.contextOnly) {
    const unpicked = trace.setSpan(
      ROOT_CONTEXT,
      trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 0 }),
    )
    return [(_ctx, next) => context.with(unpicked, next)]
  }
  return spans ? [serverSpan()] : []
}

export function createBenchApp(mode: Mode, store?: Store): Koa {
  const app = new Koa()
  for (const middleware of appMiddleware(mode)) app.use(middleware)
  const router = new Router()
  app.use(async (ctx, next) => {
    ctx.state.user = USER
    await next()
  })
  router.get('/api/search', ...instrumentation(mode, 'search'), (ctx) => {
    ctx.body = { results: [], query: ctx.query.q ?? '' }
  })
  if (store) {
    // dashboard_create as the API does it: insert the record, then read it back (two round trips).
    router.get('/api/db', ...instrumentation(mode, 'dashboard_create'), async (ctx) => {
      const dashboard = {
        id: randomUUID(),
        tenantId: USER.tenantId,
        name: 'Signups',
        createdBy: USER.userId,
        createdAt: new Date().toISOString(),
      }
      await store.put('dashboard', dashboard)
      ctx.body = { dashboard: await store.get('dashboard', USER.tenantId, dashboard.id) }
    })
  }
  app.use(router.routes())
  return app
}

if (import.meta.main) {
  const [mode, port, route = 'search'] = process.argv.slice(2)
  if (!MODES.includes(mode as Mode) || !ROUTES.includes(route as Route)) {
    console.error(`usage: server.ts <${MODES.join('|')}> <port> [${ROUTES.join('|')}]`)
    process.exit(2)
  }
  metrics.disable()
  let store: Store | undefined
  if (route === 'db') {
    const opened = await openStore({ databaseUrl: process.env.DATABASE_URL })
    if (opened.kind !== 'postgres') throw new Error('the db route needs DATABASE_URL (PostgreSQL)')
    store = opened.store
    const engine = opened.store.engine
    await prepareDatabase(store, () => engine.exec('TRUNCATE records, sessions, users, tenants'))
  }
  const server = createServer(createBenchApp(mode as Mode, store).callback())
  server.listen(Number(port), '127.0.0.1', () => console.log(`ready ${mode} ${port}`))
  process.on('SIGTERM', () => server.close(() => process.exit(0)))
}
