/**
 * npm run capacity: measures what the capacity guide (deploy/k8s/README.md#capacity) is built on,
 * on this machine, with the real components and free loopback ports (nothing here needs the stack):
 *
 *   1. series per API replica: the real API (embedded database) plays the simulator's default
 *      scenario; its /metrics page is counted (series with and without a tenant), and its last
 *      OTLP export (the exact protobuf bytes) is captured;
 *   2. points per second one Collector takes on one core, for each of --pipelines (PIPELINES
 *      below: the local stack's Collector, and the manifests' gateway pipeline), pinned to core 0
 *      with GOMAXPROCS=1, writing to a real Prometheus (a fresh one each); the captured export is
 *      replayed as --replicas distinct API replicas (each its own
 *      service.instance.id) for --seconds, from core 1. Reported: points exported per second, the
 *      Collector's CPU time over the run, and so points per CPU-second (what a dedicated core
 *      takes: on this shared machine the Collector rarely gets a whole core);
 *   3. store bytes per series: Prometheus's resident memory, Go heap and WAL on disk before and
 *      after the replay, against the head series it then holds (Thanos receive keeps its head in
 *      the same Prometheus TSDB code).
 * Every loop is bounded in time and count. The last lines are the figures, one per line.
 * Usage: node scripts/capacity.ts [--replicas 40] [--seconds 60] [--simulate-seconds 300] [--concurrency 8]
 *                                 [--pipelines stack,k8s-gateway]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_LIMITS } from '@feature-analytics/tracker'
import { freePort, startApiProcess } from '../apps/simulator/src/api-process.ts'
import { ExportTemplate, startCapture } from './lib/otlp-replay.ts'
import { PROMETHEUS_FEATURE_FLAGS } from './stack/components.ts'
import { BIN, ROOT } from './stack/paths.ts'

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '60' },
    'simulate-seconds': { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    pipelines: { type: 'string', default: 'stack,k8s-gateway' },
    pinned: { type: 'boolean', default: false },
  },
})
const REPLICAS = Number(values.replicas)
const SECONDS = Number(values.seconds)
const SIMULATE_SECONDS = Number(values['simulate-seconds'])
const CONCURRENCY = Number(values.concurrency)
const PIPELINE_NAMES = values.pipelines.split(',')
for (const [name, value] of Object.entries({ REPLICAS, SECONDS, SIMULATE_SECONDS, CONCURRENCY })) {
  if (!Number.isInteger(value) || value <= 0 || value > 100_000)
    throw new Error(`--${name.toLowerCase()}: expected a positive integer`)
}

// The load generator (this process) on core 1, the Collector on core 0: re-run pinned.
if (!values.pinned) {
  const result = spawnSync('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1), '--pinned'], {
    stdio: 'inherit',
  })
  process.exit(result.status ?? 1)
}

const say = (line: string) => console.log(`capacity: ${line}`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const INSTANCE_ID = 'capacity-replica-00000'
// Sizing assumptions, printed with the table: the manifests' export interval (base/api.yaml), a
// gateway kept at half a core's measured rate for headroom, half of a receive pod's 4 GiB limit
// (base/thanos-receive.yaml) for head series, and the tracker's default tenant budget.
const EXPORT_INTERVAL_S = 15
const GATEWAY_UTILISATION = 0.5
const HEAD_BUDGET_BYTES = 2 * 2 ** 30
const TENANT_BUDGET = DEFAULT_LIMITS.maxTenants
const replicaId = (i: number) => `capacity-replica-${String(i).padStart(5, '0')}`
const scratch = mkdtempSync(join(tmpdir(), 'capacity-'))
const children: ChildProcess[] = []

for (const tool of ['otelcol-fa', 'otelcol-k8s-check', 'prometheus']) {
  if (!existsSync(join(BIN, tool))) throw new Error(`${join(BIN, tool)} is missing: run scripts/provision`)
}

/** Sums the samples of one metric family in a Prometheus text page (all label sets). */
function sum(page: string, name: string): number {
  let total = 0
  for (const line of page.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}
const page = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text()

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function start(name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn('taskset', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  })
  const tail: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk.toString())
    if (tail.length > 20) tail.shift()
  })
  child.once('exit', (code, signal) => {
    if (!stopping && !retired.has(child))
      console.error(`capacity: ${name} exited (${code ?? signal}):\n${tail.join('')}`)
  })
  children.push(child)
  return child
}
let stopping = false
/** Children stopped on purpose before the end. */
const retired = new WeakSet<ChildProcess>()

async function waitFor(url: string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await sleep(250)
  }
  throw new Error(`${what} did not answer at ${url}`)
}

const dirBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (total, entry) =>
      total + (entry.isDirectory() ? dirBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size),
    0,
  )

async function seriesPerReplica() {
  const capture = await startCapture(await freePort())
  const api = await startApiProcess({
    cpu: 0,
    // This machine is shared: a cold start can take a while.
    readyTimeoutMs: 180_000,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: capture.url,
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
      OTEL_TRACES_EXPORTER: 'none',
      SERVICE_INSTANCE_ID: INSTANCE_ID,
    },
  })
  say(`API at ${api.url} (core 0), exporting OTLP to the capture endpoint ${capture.url}`)
  try {
    const simulate = spawn(
      'taskset',
      [
        '-c',
        '1',
        process.execPath,
        join(ROOT, 'apps/simulator/src/cli/simulate.ts'),
        '--target',
        api.url,
        '--seed',
        '42',
        '--duration',
        String(SIMULATE_SECONDS),
        '--rate',
        '0',
        '--ledger',
        join(scratch, 'ledger.json'),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    )
    children.push(simulate)
    const [code] = await once(simulate, 'exit')
    if (code !== 0) throw new Error(`the simulation failed (exit ${code})`)
    const exportsBefore = capture.count()
    const deadline = Date.now() + 30_000
    while (capture.count() < exportsBefore + 2 && Date.now() < deadline) await sleep(200)
    const captured = capture.last()
    if (captured?.contentType !== 'application/x-protobuf') {
      throw new Error(`no protobuf export captured (${captured?.contentType ?? 'none'})`)
    }
    const metrics = (await page(api.metricsUrl)).split('\n').filter((line) => line.startsWith('product_'))
    const tenants = new Set<string>()
    let withTenant = 0
    for (const line of metrics) {
      const tenant = /tenant_id="([^"]*)"/.exec(line)?.[1]
      if (tenant === undefined) continue
      withTenant++
      if (tenant !== '_other') tenants.add(tenant)
    }
    return { captured, series: metrics.length, withTenant, tenants: tenants.size }
  } finally {
    await api.stop()
    await capture.close()
  }
}

interface Pipeline {
  /** What runs: the Collector build and the config it is given. */
  binary: string
  config: string
  /** The ports overlay and the Prometheus flags this pipeline needs. */
  overlay(ports: {
    otlp: number
    grpc: number
    health: number
    telemetry: number
    unused: number
    prom: number
  }): string[]
  env(promUrl: string, unused: number): Record<string, string>
  prometheusFlags: string[]
}

/**
 * stack: the local stack's Collector and pipeline, OTLP into Prometheus's OTLP receiver.
 * k8s-gateway: the manifests' gateway pipeline (deploy/k8s/base/collector/gateway.yaml: PII scrub,
 * batch, prometheus_remote_write) in a Collector with the same components as the contrib image
 * (otelcol-k8s-check), remote-writing to Prometheus's remote-write receiver as it would to Thanos
 * receive. An OTLP/HTTP receiver is added so the replay can post the API's export as it was sent.
 */
const PIPELINES: Record<string, Pipeline> = {
  stack: {
    binary: 'otelcol-fa',
    config: 'otel-collector/config.yaml',
    overlay: (p) => [`receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${p.otlp}"}}}}`],
    env: (promUrl, unused) => ({
      PROMETHEUS_OTLP_URL: `${promUrl}/api/v1/otlp`,
      JAEGER_OTLP_URL: `http://127.0.0.1:${unused}`,
    }),
    prometheusFlags: [],
  },
  'k8s-gateway': {
    binary: 'otelcol-k8s-check',
    config: 'deploy/k8s/base/collector/gateway.yaml',
    overlay: (p) => [
      `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${p.otlp}"}, grpc: {endpoint: "127.0.0.1:${p.grpc}"}}}}`,
      `exporters: {prometheus_remote_write/thanos: {endpoint: "http://127.0.0.1:${p.prom}/api/v1/write"}, otlp_grpc/jaeger: {endpoint: "127.0.0.1:${p.unused}"}}`,
    ],
    env: () => ({}),
    prometheusFlags: ['--web.enable-remote-write-receiver'],
  },
}

async function replay(template: ExportTemplate, pipeline: Pipeline) {
  const promPort = await freePort()
  const promUrl = `http://127.0.0.1:${promPort}`
  const promData = mkdtempSync(join(scratch, 'prometheus-data-'))
  const prometheus = start('prometheus', [
    '-c',
    '1',
    join(BIN, 'prometheus'),
    `--config.file=${join(ROOT, 'prometheus/prometheus.yml')}`,
    `--storage.tsdb.path=${promData}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    ...PROMETHEUS_FEATURE_FLAGS,
    ...pipeline.prometheusFlags,
  ])
  const ports = {
    otlp: await freePort(),
    grpc: await freePort(),
    health: await freePort(),
    telemetry: await freePort(),
    unused: await freePort(),
    prom: promPort,
  }
  const otlpPort = ports.otlp
  const healthPort = ports.health
  const telemetryPort = ports.telemetry
  const overlay = join(promData, 'ports.yaml')
  writeFileSync(
    overlay,
    [
      ...pipeline.overlay(ports),
      `extensions: {health_check: {endpoint: "127.0.0.1:${healthPort}"}}`,
      `service: {telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: "127.0.0.1", port: ${telemetryPort}}}}}]}}}`,
      '',
    ].join('\n'),
  )
  const collector = start(
    'collector',
    ['-c', '0', join(BIN, pipeline.binary), '--config', join(ROOT, pipeline.config), '--config', overlay],
    { GOMAXPROCS: '1', ...pipeline.env(promUrl, ports.unused) },
  )
  await waitFor(`${promUrl}/-/ready`, 'Prometheus')
  await waitFor(`http://127.0.0.1:${healthPort}/`, 'the Collector')
  const telemetry = `http://127.0.0.1:${telemetryPort}/metrics`
  const promMetrics = `${promUrl}/metrics`
  const pid = collector.pid as number

  const before = {
    prom: await page(promMetrics),
    promWal: dirBytes(promData),
    collector: await page(telemetry),
    cpu: cpuSeconds(pid),
    promCpu: cpuSeconds(prometheus.pid as number),
  }
  say(
    `replaying the captured export (${template.captured.body.length} bytes) as ${REPLICAS} replicas for ${SECONDS}s, ${CONCURRENCY} in flight`,
  )
  const started = Date.now()
  const until = started + SECONDS * 1000
  let posts = 0
  let failures = 0
  let next = 0
  const worker = async () => {
    while (Date.now() < until && posts < 10_000_000) {
      const body = template.copy(replicaId(next++ % REPLICAS), BigInt(Date.now()) * 1_000_000n)
      posts++
      const ok = await fetch(`http://127.0.0.1:${otlpPort}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(
        (r) => r.ok,
        () => false,
      )
      if (!ok) failures++
    }
  }
  const progress = setInterval(
    () => say(`  ${Math.round((Date.now() - started) / 1000)}s: ${posts} exports posted`),
    10_000,
  )
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  clearInterval(progress)
  const loadSeconds = (Date.now() - started) / 1000

  // Let the Collector's queue drain into Prometheus (bounded: 4 minutes): the CPU it spends on that
  // counts, and points per CPU-second are only fair once everything accepted was exported.
  const accepted = () => page(telemetry).then((p) => sum(p, 'otelcol_receiver_accepted_metric_points'))
  const sent = () => page(telemetry).then((p) => sum(p, 'otelcol_exporter_sent_metric_points'))
  const drainDeadline = Date.now() + 240_000
  while (
    Date.now() < drainDeadline &&
    (await sent()) - sum(before.collector, 'otelcol_exporter_sent_metric_points') <
      (await accepted()) - sum(before.collector, 'otelcol_receiver_accepted_metric_points')
  ) {
    await sleep(500)
  }
  const wallSeconds = (Date.now() - started) / 1000
  const drained =
    (await sent()) - sum(before.collector, 'otelcol_exporter_sent_metric_points') >=
    (await accepted()) - sum(before.collector, 'otelcol_receiver_accepted_metric_points')
  if (!drained)
    say(
      'WARNING: the Collector had not exported everything it accepted after 4 minutes: points per CPU-second are a lower bound',
    )
  const after = {
    collector: await page(telemetry),
    cpu: cpuSeconds(pid),
    promCpu: cpuSeconds(prometheus.pid as number),
  }
  const delta = (name: string) => sum(after.collector, name) - sum(before.collector, name)
  const gateway = {
    posts,
    failures,
    loadSeconds,
    wallSeconds,
    accepted: delta('otelcol_receiver_accepted_metric_points'),
    refused: delta('otelcol_receiver_refused_metric_points'),
    sent: delta('otelcol_exporter_sent_metric_points'),
    sendFailed: delta('otelcol_exporter_send_failed_metric_points'),
    cpu: after.cpu - before.cpu,
    promCpu: after.promCpu - before.promCpu,
  }

  // Store: let Prometheus settle, then read its head and memory.
  await sleep(5000)
  const tsdb = (await (await fetch(`${promUrl}/api/v1/status/tsdb`)).json()) as {
    data: { headStats: { numSeries: number } }
  }
  const promAfter = await page(promMetrics)
  const store = {
    seriesBefore: sum(before.prom, 'prometheus_tsdb_head_series'),
    series: tsdb.data.headStats.numSeries,
    samples:
      sum(promAfter, 'prometheus_tsdb_head_samples_appended_total') -
      sum(before.prom, 'prometheus_tsdb_head_samples_appended_total'),
    rss: sum(promAfter, 'process_resident_memory_bytes') - sum(before.prom, 'process_resident_memory_bytes'),
    heap: sum(promAfter, 'go_memstats_heap_inuse_bytes') - sum(before.prom, 'go_memstats_heap_inuse_bytes'),
    wal: dirBytes(promData) - before.promWal,
  }
  for (const child of [collector, prometheus]) {
    retired.add(child)
    const gone = once(child, 'exit')
    child.kill('SIGTERM')
    await gone
  }
  return { gateway, store }
}

try {
  for (const name of PIPELINE_NAMES) {
    if (!(name in PIPELINES))
      throw new Error(`--pipelines: unknown "${name}" (${Object.keys(PIPELINES).join(', ')})`)
  }
  say(
    `1/3 series per API replica: the real API plays the default scenario (seed 42, budget ${SIMULATE_SECONDS}s)`,
  )
  const series = await seriesPerReplica()
  const template = new ExportTemplate(series.captured, INSTANCE_ID)
  say(
    `the API's /metrics holds ${series.series} product_* series: ${series.withTenant} with a tenant_id ` +
      `(${series.tenants} tenants), ${series.series - series.withTenant} without`,
  )
  say(
    `its OTLP export: ${series.captured.body.length} bytes of protobuf, ${template.timeOffsets.length} points stamped with the collection time`,
  )

  console.log('\ncapacity: figures')
  console.log(
    `series per API replica (API /metrics, product_*): ${series.series} (${series.withTenant} with tenant_id over ${series.tenants} tenants, ${series.series - series.withTenant} without)`,
  )
  const measured: Record<string, Awaited<ReturnType<typeof replay>>> = {}
  for (const name of PIPELINE_NAMES) {
    say(
      `2/3 and 3/3, ${name}: one Collector (core 0, GOMAXPROCS=1) -> Prometheus, the export replayed from core 1`,
    )
    const result = await replay(template, PIPELINES[name] as Pipeline)
    measured[name] = result
    const { gateway, store } = result
    const added = store.series - store.seriesBefore
    console.log(
      `${name}: OTLP points per export of one replica: ${(gateway.accepted / Math.max(1, gateway.posts - gateway.failures)).toFixed(0)}`,
    )
    console.log(`${name}: store series per replica (Prometheus head): ${(added / REPLICAS).toFixed(0)}`)
    console.log(
      `${name}: collector: ${gateway.posts} exports posted in ${gateway.loadSeconds.toFixed(1)}s (${gateway.failures} failed); points accepted ${gateway.accepted}, refused ${gateway.refused}, exported ${gateway.sent}, export failed ${gateway.sendFailed}`,
    )
    console.log(
      `${name}: collector: ${(gateway.sent / gateway.wallSeconds).toFixed(0)} points/s exported over ${gateway.wallSeconds.toFixed(1)}s wall, using ${gateway.cpu.toFixed(2)} CPU-s (${((100 * gateway.cpu) / gateway.wallSeconds).toFixed(0)}% of one core)`,
    )
    console.log(`${name}: collector: ${(gateway.sent / gateway.cpu).toFixed(0)} points per CPU-second`)
    console.log(
      `${name}: prometheus: ${store.series} head series (${store.seriesBefore} before), ${store.samples} samples appended, ${gateway.promCpu.toFixed(2)} CPU-s`,
    )
    console.log(
      `${name}: prometheus: +${store.rss} bytes resident, +${store.heap} bytes Go heap in use, +${store.wal} bytes WAL`,
    )
    console.log(
      `${name}: prometheus: ${(store.rss / added).toFixed(0)} resident bytes per series, ${(store.heap / added).toFixed(0)} heap bytes per series, ${(store.wal / added).toFixed(0)} WAL bytes per series`,
    )
  }

  // The table sizes the manifests: their gateway pipeline when it was measured.
  const sizedBy = PIPELINE_NAMES.includes('k8s-gateway') ? 'k8s-gateway' : (PIPELINE_NAMES[0] as string)
  const { gateway, store } = measured[sizedBy] as Awaited<ReturnType<typeof replay>>
  const added = store.series - store.seriesBefore
  const pointsPerExport = gateway.accepted / Math.max(1, gateway.posts - gateway.failures)
  const seriesPerReplicaStored = added / REPLICAS
  const perCore = gateway.sent / gateway.cpu
  const bytesPerSeries = store.rss / added
  const tenantShare = series.tenants > 0 ? series.withTenant / series.tenants : 0
  const atBudget = series.series - series.withTenant + tenantShare * (TENANT_BUDGET + 1)
  const storedPerApiSeries = seriesPerReplicaStored / series.series
  console.log(
    `\ncapacity: sizing from the ${sizedBy} figures (export every ${EXPORT_INTERVAL_S}s; a gateway at most ${GATEWAY_UTILISATION * 100}% of the measured points per CPU-second; ` +
      `a receive node holds ${HEAD_BUDGET_BYTES / 2 ** 30} GiB of head at the measured resident bytes per series; replication factor 2; at least 2 of each)`,
  )
  console.log(
    'replicas | series mix             | series per replica | points/s | gateways | store series (x2) | receive nodes',
  )
  const mixes: [string, number][] = [
    [`measured (${series.tenants} tenants)`, seriesPerReplicaStored],
    [`budget (${TENANT_BUDGET} tenants)`, atBudget * storedPerApiSeries],
  ]
  for (const n of [10, 100, 1000]) {
    for (const [mix, perReplica] of mixes) {
      const pointsPerSecond =
        (n * pointsPerExport * (perReplica / seriesPerReplicaStored)) / EXPORT_INTERVAL_S
      const gateways = Math.max(2, Math.ceil(pointsPerSecond / (perCore * GATEWAY_UTILISATION)))
      const stored = n * perReplica * 2
      const nodes = Math.max(2, Math.ceil((stored * bytesPerSeries) / HEAD_BUDGET_BYTES))
      console.log(
        `${String(n).padStart(8)} | ${mix.padEnd(22)} | ${perReplica.toFixed(0).padStart(18)} | ${pointsPerSecond.toFixed(0).padStart(8)} | ${String(gateways).padStart(8)} | ${stored.toFixed(0).padStart(16)} | ${String(nodes).padStart(13)}`,
      )
    }
  }
} finally {
  stopping = true
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  await sleep(1000)
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(scratch, { recursive: true, force: true })
}
