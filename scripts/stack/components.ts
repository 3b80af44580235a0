/**
 * The local stack, one entry per process, in start order. Addresses follow docs/interfaces.md;
 * everything listens on 127.0.0.1 only. Two API replicas share PostgreSQL (tenants, users,
 * sessions) and Redis (adoption counts) and export to the Collector, which is the production shape
 * the e2e check proves (any replica serves any tenant, adoption stages fire once across replicas,
 * cumulative totals survive a Collector restart).
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_METRICS_PORT, DEFAULT_OTLP_HTTP_PORT } from '@feature-analytics/tracker-node'
import {
  databaseUrl,
  initDataDir,
  postgresBinDir,
  postgresRunAs,
  type RunAs,
  serverArgs,
} from '../lib/postgres.ts'
import { BIN, ROOT, STATE } from './paths.ts'
import type { Readiness } from './ready.ts'
import { agentOtlpUrl, collectorTiers, THANOS_QUERY_URL, thanosComponents } from './scale.ts'

export interface Component {
  name: string
  command: string
  args: string[]
  env?: Record<string, string>
  /** Ports it binds: checked free before it starts, so a leftover process fails loudly, not subtly. */
  ports: number[]
  ready: Readiness
  /** Shown by `up` once the stack is ready. */
  url?: string
  /** Runs before each start (creating a data directory, say). */
  prepare?: () => void
  /** The user the process runs as (PostgreSQL refuses root); called when it starts. */
  runAs?: () => RunAs | undefined
  /** What `stop` sends first; SIGTERM unless set. */
  stopSignal?: NodeJS.Signals
  /** Only in the single-Collector stack, or only in the scaled-out one (scale.ts); unset: both. */
  topology?: 'single' | 'scale'
}

export interface StackOptions {
  /** Also print every metric point in the Collector's log (otel-collector/debug.yaml). */
  collectorDebug?: boolean
  /** How often the API replicas export metrics, in milliseconds. */
  exportIntervalMs?: number
  /**
   * Share of fast, error-free traces the Collector's tail sampler keeps, in percent (default 10,
   * otel-collector/config.yaml); errors, slow traces and the traces exemplars point at are always kept.
   */
  tracesKeepPercent?: number
  /**
   * The API replicas' head-sampling ratio (OTEL_TRACES_SAMPLER_ARG of their parent-based ratio
   * sampler); unset: the API's default, 0.1.
   */
  headSampleRatio?: number
  /** Seed the demo accounts on the first replica (the e2e turns this off: its ledger must be all there is). */
  seedDemo?: boolean
  /**
   * The scaled-out topology (scale.ts): agent and gateway Collectors, Thanos receive + query in
   * place of the single Collector and Prometheus.
   */
  scale?: boolean
}

export const PROMETHEUS_URL = 'http://127.0.0.1:9090'
/**
 * What Prometheus must have switched on, here and in docker-compose.yml (stack:check compares them):
 * the native OTLP receiver, exemplars (trace ids on latency samples, as the OpenTelemetry demo
 * stores them), the lifecycle API (reload), and exact windowed counts: a zero sample at each OTLP
 * series' start time (created-timestamp-zero-ingestion) read by `increase(...[w] anchored)`
 * (promql-extended-range-selectors), so a restarted replica's counts are neither lost nor
 * extrapolated (packages/insights, windows).
 */
export const PROMETHEUS_FEATURE_FLAGS = [
  '--web.enable-otlp-receiver',
  '--enable-feature=exemplar-storage',
  '--enable-feature=created-timestamp-zero-ingestion',
  '--enable-feature=promql-extended-range-selectors',
  '--web.enable-lifecycle',
] as const
export const PROMETHEUS_DATA = join(STATE, 'prometheus-data')
export const REDIS_DATA = join(STATE, 'redis-data')
export const COLLECTOR_OTLP_URL = `http://127.0.0.1:${DEFAULT_OTLP_HTTP_PORT}`
/** Jaeger's query API (`/api/services`, `/api/traces/{id}`); its OTLP/HTTP receiver takes the Collector's traces. */
export const JAEGER_URL = 'http://127.0.0.1:16686'
export const JAEGER_OTLP_URL = 'http://127.0.0.1:4320'
/** Not 5432, so a system cluster that Debian's package may have started never collides with it. */
export const POSTGRES_PORT = 5433
export const POSTGRES_DATA = join(STATE, 'postgres-data')
export const DATABASE_URL = databaseUrl(POSTGRES_PORT)
export const API_URLS = ['http://127.0.0.1:3000', 'http://127.0.0.1:3010'] as const
/** Each replica's own Prometheus-format page, in API_URLS order. */
export const API_METRICS_URLS = [
  `http://127.0.0.1:${DEFAULT_METRICS_PORT}/metrics`,
  `http://127.0.0.1:${DEFAULT_METRICS_PORT + 10}/metrics`,
] as const
export const DEFAULT_EXPORT_INTERVAL_MS = 5000
export const CONSOLE_URL = 'http://127.0.0.1:3020'

/** The insights console's token, made once per checkout and kept owner-readable in .stack/. */
function consoleToken(): string {
  const file = join(STATE, 'console-token')
  if (!existsSync(file)) {
    mkdirSync(STATE, { recursive: true })
    writeFileSync(file, randomBytes(16).toString('hex'), { mode: 0o600 })
  }
  return readFileSync(file, 'utf8').trim()
}

/** Where telemetry enters the pipeline: the Collector, or scaled out the first replica's agent. */
export const pipelineOtlpUrl = (options: StackOptions): string =>
  options.scale ? agentOtlpUrl(1) : COLLECTOR_OTLP_URL

/** Where the metrics are queried (Prometheus's HTTP API): Prometheus, or the Thanos query layer. */
export const metricsQueryUrl = (options: StackOptions): string =>
  options.scale ? THANOS_QUERY_URL : PROMETHEUS_URL

/** The insights console (apps/console), reading Prometheus (or Thanos) and Jaeger; the printed URL carries its token. */
function insightsConsole(options: StackOptions): Component {
  const token = consoleToken()
  return {
    name: 'console',
    command: process.execPath,
    args: [join(ROOT, 'apps/console/src/main.ts')],
    env: {
      CONSOLE_HOST: '127.0.0.1',
      CONSOLE_PORT: new URL(CONSOLE_URL).port,
      CONSOLE_TOKEN: token,
      PROMETHEUS_URL: metricsQueryUrl(options),
      JAEGER_URL,
    },
    ports: [Number(new URL(CONSOLE_URL).port)],
    ready: { kind: 'http', url: `${CONSOLE_URL}/healthz` },
    url: `${CONSOLE_URL}/#token=${token} (insights console: charts from Prometheus, traces from Jaeger)`,
  }
}

function api(replica: 1 | 2, options: StackOptions): Component {
  const portOf = (url: string) => Number(new URL(url).port)
  const port = portOf(API_URLS[replica === 1 ? 0 : 1])
  const metricsPort = portOf(API_METRICS_URLS[replica === 1 ? 0 : 1])
  return {
    name: `api-${replica}`,
    command: process.execPath,
    args: [join(ROOT, 'apps/api/src/main.ts')],
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL,
      // Scaled out, each replica has its own agent Collector, as a pod has its node's DaemonSet.
      OTEL_EXPORTER_OTLP_ENDPOINT: options.scale ? agentOtlpUrl(replica) : COLLECTOR_OTLP_URL,
      OTEL_METRIC_EXPORT_INTERVAL: String(options.exportIntervalMs ?? DEFAULT_EXPORT_INTERVAL_MS),
      SERVICE_INSTANCE_ID: `api-${replica}`,
      ...(options.headSampleRatio === undefined
        ? {}
        : { OTEL_TRACES_SAMPLER_ARG: String(options.headSampleRatio) }),
      // The first replica serves the web UI and the demo accounts; the second is API only.
      SEED_DEMO: String(replica === 1 && (options.seedDemo ?? true)),
      ...(replica === 2 ? { WEB_DIST: join(STATE, 'no-web') } : {}),
    },
    ports: [port, metricsPort],
    ready: { kind: 'http', url: `http://127.0.0.1:${port}/readyz` },
    url: replica === 1 ? `http://127.0.0.1:${port}/ (web UI + API)` : `http://127.0.0.1:${port}/ (API)`,
  }
}

/** The binaries are looked up when it starts, so listing the stack works before provisioning. */
const postgresBinary = (): string => {
  try {
    return join(postgresBinDir(), 'postgres')
  } catch {
    return 'postgres'
  }
}

function postgres(): Component {
  return {
    name: 'postgres',
    command: postgresBinary(),
    args: serverArgs(POSTGRES_DATA, POSTGRES_PORT),
    ports: [POSTGRES_PORT],
    ready: { kind: 'postgres', port: POSTGRES_PORT },
    url: `${DATABASE_URL} (tenants, users, sessions; data in .stack/postgres-data)`,
    prepare: () => initDataDir(POSTGRES_DATA, postgresRunAs()),
    runAs: postgresRunAs,
    // Fast shutdown: SIGTERM would wait for every client to disconnect first.
    stopSignal: 'SIGINT',
  }
}

/** The stack of `options` (single Collector or scaled out), in start order. */
export function components(options: StackOptions = {}): Component[] {
  const topology = options.scale ? 'scale' : 'single'
  return everyComponent(options).filter((c) => (c.topology ?? topology) === topology)
}

/** Both topologies' components, in an order that starts either one correctly. */
export function everyComponent(options: StackOptions = {}): Component[] {
  const collectorConfigs = ['config.yaml', ...(options.collectorDebug ? ['debug.yaml'] : [])]
  return [
    postgres(),
    {
      name: 'redis',
      command: join(BIN, 'redis-server'),
      // Every write in the append-only file before Redis answers it, so a Redis restart neither loses
      // adoption counts nor fires their stages again. `up` starts it empty, like the fresh Prometheus.
      args: [
        '--bind',
        '127.0.0.1',
        '--port',
        '6379',
        '--dir',
        REDIS_DATA,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      ports: [6379],
      ready: { kind: 'redis', port: 6379 },
      url: 'redis://127.0.0.1:6379',
    },
    {
      name: 'prometheus',
      command: join(BIN, 'prometheus'),
      args: [
        `--config.file=${join(ROOT, 'prometheus/prometheus.yml')}`,
        `--storage.tsdb.path=${PROMETHEUS_DATA}`,
        '--web.listen-address=127.0.0.1:9090',
        ...PROMETHEUS_FEATURE_FLAGS,
      ],
      ports: [9090],
      ready: { kind: 'http', url: `${PROMETHEUS_URL}/-/ready` },
      url: `${PROMETHEUS_URL}/ (HTTP API; OTLP at /api/v1/otlp/v1/metrics)`,
      topology: 'single',
    },
    {
      name: 'jaeger',
      command: join(BIN, 'jaeger'),
      args: ['--config', join(ROOT, 'jaeger/config.yaml')],
      env: { JAEGER_BIND_HOST: '127.0.0.1' },
      ports: [Number(new URL(JAEGER_URL).port), Number(new URL(JAEGER_OTLP_URL).port), 16685, 13134],
      // The query API answers only once storage is open, which is what the Collector's traces need.
      ready: { kind: 'http', url: `${JAEGER_URL}/api/services` },
      url: `${JAEGER_URL}/ (query API; OTLP/HTTP at ${JAEGER_OTLP_URL})`,
    },
    ...thanosComponents(),
    ...collectorTiers(options, JAEGER_OTLP_URL),
    {
      name: 'collector',
      command: join(BIN, 'otelcol-fa'),
      args: collectorConfigs.flatMap((file) => ['--config', join(ROOT, 'otel-collector', file)]),
      env: {
        OTELCOL_BIND_HOST: '127.0.0.1',
        PROMETHEUS_OTLP_URL: `${PROMETHEUS_URL}/api/v1/otlp`,
        JAEGER_OTLP_URL,
        ...(options.tracesKeepPercent === undefined
          ? {}
          : { TRACES_KEEP_PERCENT: String(options.tracesKeepPercent) }),
      },
      ports: [DEFAULT_OTLP_HTTP_PORT, 13133, 8888],
      ready: { kind: 'http', url: 'http://127.0.0.1:13133/' },
      url: `${COLLECTOR_OTLP_URL} (OTLP/HTTP), health http://127.0.0.1:13133/`,
      topology: 'single',
    },
    api(1, options),
    api(2, options),
    insightsConsole(options),
  ]
}
