/**
 * Where the span cost of "tracker + sampled spans" goes, in CPU microseconds per request: the
 * bench's do-nothing route (server.ts) in one process, requests handed to Koa through an
 * in-memory socket (no network, no load generator), variants alternated round by round, CPU time
 * from process.cpuUsage(). Same tracer setup as the bench (startTelemetry's AsyncLocalStorage
 * context manager and W3C propagators; a batch span processor to a DroppingSpanExporter, as in the bench):
 *   tracker    plain trackFeature, no server span (the context manager is registered, unused)
 *   context    tracker + entering a context per request (context.with), no span at all
 *   unsampled  tracker + serverSpan(), sampler always_off: every request takes the unsampled path
 *   default    tracker + serverSpan(), parentbased_traceidratio(0.1), as startTelemetry sets it up:
 *              PooledRandomIdGenerator and withRatioRoots (unpicked roots decided before the SDK)
 *   sdk-tracer the same sampler on the SDK's own tracer and RandomIdGenerator (before both)
 *   sampled    tracker + serverSpan(), always_on: every request records a span
 * Then the pieces of the unsampled path alone, in a tight loop (ns per call). Pinned to core 0.
 *
 *   npm run bench:span-cost -w @feature-analytics/loadtest [-- --rounds 14 --requests 10000]
 */
import { spawnSync } from 'node:child_process'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Duplex } from 'node:stream'
import { parseArgs } from 'node:util'
import { serverSpan } from '@feature-analytics/tracker-koa'
import { PooledRandomIdGenerator, startTelemetry, withRatioRoots } from '@feature-analytics/tracker-node'
import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api'
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  type IdGenerator,
  ParentBasedSampler,
  RandomIdGenerator,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import type Koa from 'koa'
// Internal to tracker-koa (not exported): measured here beside the API's own context.
import { REQUEST_ROOT } from '../../packages/tracker-koa/src/request-context.ts'
import { createBenchApp, DroppingSpanExporter } from './server.ts'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '14' },
    requests: { type: 'string', default: '10000' },
  },
})
const ROUNDS = Number(values.rounds)
const REQUESTS = Number(values.requests)
const CONCURRENCY = 32

// One core, as the bench's server has: the other is left to whatever else runs.
spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' })
metrics.disable()
const exporter = new DroppingSpanExporter()
startTelemetry({
  serviceName: 'bench',
  metricExporters: [new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)],
  shutdownSignals: false,
})
// The ids startTelemetry uses by default, or the SDK's own (the sdk-tracer variant).
const tracerWith = (sampler: Sampler, idGenerator: IdGenerator = new PooledRandomIdGenerator()) =>
  new TracerProvider({
    sampler,
    idGenerator,
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  }).getTracer('bench')
/** What startTelemetry registers by default: pooled ids, the ratio sampler, unpicked roots decided up front. */
function defaultTracer() {
  const ids = new PooledRandomIdGenerator()
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  })
  return withRatioRoots(provider, ids, 0.1).getTracer('bench')
}
const UNSAMPLED_PARENT = trace.setSpan(
  ROOT_CONTEXT,
  trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 0,
  }),
)

function app(first?: Koa.Middleware): Koa {
  const built = createBenchApp('tracker')
  if (first) built.middleware.unshift(first)
  return built
}
const variants: Record<string, Koa> = {
  tracker: app(),
  context: app((_ctx, next) => context.with(UNSAMPLED_PARENT, next)),
  unsampled: app(serverSpan({ tracer: tracerWith(new AlwaysOffSampler()) }) as Koa.Middleware),
  default: app(serverSpan({ tracer: defaultTracer() }) as Koa.Middleware),
  'sdk-tracer': app(
    serverSpan({
      tracer: tracerWith(
        new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
        new RandomIdGenerator(),
      ),
    }) as Koa.Middleware,
  ),
  sampled: app(serverSpan({ tracer: tracerWith(new AlwaysOnSampler()) }) as Koa.Middleware),
}

/** A socket that takes whatever the response writes. */
class Sink extends Duplex {
  override _read() {}
  override _write(_chunk: unknown, _encoding: unknown, done: () => void) {
    done()
  }
}

function request(handle: ReturnType<Koa['callback']>): Promise<void> {
  const socket = new Sink()
  const req = new IncomingMessage(socket as never)
  req.method = 'GET'
  req.url = '/api/search?q=x'
  req.headers = { host: '127.0.0.1', connection: 'keep-alive' }
  req.push(null)
  const res = new ServerResponse(req)
  res.assignSocket(socket as never)
  return new Promise((resolve) => {
    res.on('finish', () => {
      res.detachSocket(socket as never)
      resolve()
    })
    void handle(req, res)
  })
}

async function serve(handle: ReturnType<Koa['callback']>, n: number): Promise<void> {
  let sent = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent++ < n) await request(handle)
    }),
  )
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const quartiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
  return `${at(0.25).toFixed(2)}..${at(0.75).toFixed(2)}`
}

const names = Object.keys(variants)
const handlers = Object.fromEntries(names.map((name) => [name, (variants[name] as Koa).callback()]))
console.error(
  `span-cost: ${ROUNDS} rounds x ${names.length} variants x ${REQUESTS} requests, ${CONCURRENCY} at a time`,
)
for (const name of names) await serve(handlers[name] as ReturnType<Koa['callback']>, REQUESTS) // warm-up
const cpu = new Map<string, number[]>(names.map((name) => [name, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names.map((_, i) => names[(i + round) % names.length] as string)) {
    const before = process.cpuUsage()
    await serve(handlers[name] as ReturnType<Koa['callback']>, REQUESTS)
    const used = process.cpuUsage(before)
    cpu.get(name)?.push((used.user + used.system) / REQUESTS)
  }
}

/** Per round, variant a minus variant b, in us per request. */
const minus = (a: string, b: string) =>
  (cpu.get(a) ?? []).map((x, i) => x - ((cpu.get(b) ?? [])[i] as number))
console.log('\nvariant      median us CPU/request')
for (const name of names)
  console.log(
    `${name.padEnd(12)} ${median(cpu.get(name) ?? [])
      .toFixed(2)
      .padStart(8)}`,
  )
console.log('\ndifference (median of per-round differences, us/request; interquartile range over rounds)')
const rows: [string, number[]][] = [
  ['default - tracker      (what the bar is about)', minus('default', 'tracker')],
  ['unsampled - tracker    (the unsampled path)', minus('unsampled', 'tracker')],
  ['context - tracker      (its context switch alone)', minus('context', 'tracker')],
  ['default - sdk-tracer   (this change)', minus('default', 'sdk-tracer')],
  ['sampled - unsampled    (one recorded span)', minus('sampled', 'unsampled')],
]
for (const [label, xs] of rows)
  console.log(`${label.padEnd(50)} ${median(xs).toFixed(2).padStart(6)}   (${quartiles(xs)})`)

// The unsampled path's pieces, each in a tight loop.
const tracer = tracerWith(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }))
const headers = { host: '127.0.0.1', connection: 'keep-alive' }
const span = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT)
const active = trace.setSpan(ROOT_CONTEXT, span)
const requestActive = trace.setSpan(REQUEST_ROOT, span)
const pooledIds = new PooledRandomIdGenerator()
const sdkIds = new RandomIdGenerator()
const shortcut = defaultTracer()
const pieces: [string, () => unknown][] = [
  [
    'withRatioRoots startSpan (root; 90% unpicked)',
    () => shortcut.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT),
  ],
  [
    'ids: PooledRandomIdGenerator, trace + span',
    () => pooledIds.generateTraceId() + pooledIds.generateSpanId(),
  ],
  [
    "ids: the SDK's RandomIdGenerator, trace + span",
    () => sdkIds.generateTraceId() + sdkIds.generateSpanId(),
  ],
  ['propagation.extract (no traceparent)', () => propagation.extract(ROOT_CONTEXT, headers)],
  [
    'tracer.startSpan, not sampled (ids, sampler)',
    () => tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT),
  ],
  ['trace.setSpan on the API ROOT_CONTEXT', () => trace.setSpan(ROOT_CONTEXT, span)],
  ["trace.setSpan on serverSpan's request root", () => trace.setSpan(REQUEST_ROOT, span)],
  ['trace.getSpan from an API context', () => trace.getSpan(active)],
  ["trace.getSpan from serverSpan's context", () => trace.getSpan(requestActive)],
  ['context.with (AsyncLocalStorage run)', () => context.with(active, () => 1)],
]
console.log('\npiece of the unsampled path                      ns/call (tight loop)')
const LOOP = 500_000
for (const [label, run] of pieces) {
  for (let i = 0; i < LOOP / 5; i++) run()
  const before = process.cpuUsage()
  for (let i = 0; i < LOOP; i++) run()
  const used = process.cpuUsage(before)
  console.log(`${label.padEnd(48)} ${(((used.user + used.system) * 1000) / LOOP).toFixed(0).padStart(6)}`)
}
process.exit(0)
