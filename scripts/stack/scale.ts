/**
 * The scaled-out topology (`stack:up --scale`) on loopback: an agent Collector next to each API
 * replica, two gateway Collectors behind the agents' load_balancing exporters, and Thanos in place
 * of Prometheus: two receive nodes holding every series twice (replication factor 2), a stateless
 * receive router in front of them that the gateways remote-write to, and a Thanos query that
 * speaks Prometheus's HTTP API to insights, the report and the console.
 *
 *   api-1 -> agent-1 \                   / gateway-1 \                 / thanos-receive-1 \
 *                     >  load_balancing <             > thanos-router <                    > thanos-query
 *   api-2 -> agent-2 /  (trace id, stream) \ gateway-2 /   (RF 2)      \ thanos-receive-2 /
 *                                             traces -> jaeger
 *
 * The ports below are this topology's own; the rest are the plain stack's (components.ts), both
 * listed in docs/interfaces.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Component, StackOptions } from './components.ts'
import { BIN, ROOT, STATE } from './paths.ts'

/** Each API replica's own agent, in API_URLS order: the first takes the single Collector's ports. */
export const AGENTS = [
  { name: 'agent-1', otlpHttp: 4318, health: 13133, telemetry: 8888 },
  { name: 'agent-2', otlpHttp: 4328, health: 13143, telemetry: 8898 },
] as const
export const GATEWAYS = [
  { name: 'gateway-1', otlpGrpc: 4417, health: 13153, telemetry: 8908 },
  { name: 'gateway-2', otlpGrpc: 4427, health: 13163, telemetry: 8918 },
] as const
/** The store nodes; `grpc` is what the hashring (thanos/hashring.json) and the query name. */
export const THANOS_RECEIVES = [
  {
    name: 'thanos-receive-1',
    http: 10922,
    grpc: 10921,
    remoteWrite: 19292,
    capnp: 19392,
    replica: 'receive-1',
  },
  {
    name: 'thanos-receive-2',
    http: 10932,
    grpc: 10931,
    remoteWrite: 19293,
    capnp: 19393,
    replica: 'receive-2',
  },
] as const
export const THANOS_ROUTER = {
  name: 'thanos-router',
  http: 10912,
  grpc: 10911,
  remoteWrite: 19291,
  capnp: 19391,
} as const
export const THANOS_QUERY = { name: 'thanos-query', http: 10902, grpc: 10901 } as const

/** The query layer: Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_exemplars`). */
export const THANOS_QUERY_URL = `http://127.0.0.1:${THANOS_QUERY.http}`
export const THANOS_REMOTE_WRITE_URL = `http://127.0.0.1:${THANOS_ROUTER.remoteWrite}/api/v1/receive`
export const agentOtlpUrl = (replica: 1 | 2): string =>
  `http://127.0.0.1:${AGENTS[replica === 1 ? 0 : 1].otlpHttp}`
export const thanosReceiveData = (name: string): string => join(STATE, `${name}-data`)
/** The external label that tells the two copies of a series apart; the query deduplicates on it. */
export const REPLICA_LABEL = 'receive_replica'
export const HASHRING_FILE = join(ROOT, 'thanos/hashring.json')
/** Replicas of every series: one receive node can die and every series is still whole. */
export const REPLICATION_FACTOR = 2

const loopback = (port: number) => `127.0.0.1:${port}`

/**
 * What every Thanos receive listens on (each defaults to all interfaces, hence all set), and no
 * two-minute wait on SIGTERM for in-flight requests: `down` would SIGKILL it first anyway.
 */
const receiveListeners = (node: { http: number; grpc: number; remoteWrite: number; capnp: number }) => [
  `--http-address=${loopback(node.http)}`,
  `--grpc-address=${loopback(node.grpc)}`,
  `--remote-write.address=${loopback(node.remoteWrite)}`,
  `--receive.capnproto-address=${loopback(node.capnp)}`,
  '--http-grace-period=0s',
  '--grpc-grace-period=0s',
]

/**
 * The hashring file is Thanos's own config; this topology's ports are here. A stack whose router
 * would forward to other addresses than the receive nodes it starts fails before it starts.
 */
function checkHashring(): void {
  const expected = THANOS_RECEIVES.map((r) => loopback(r.grpc))
  let endpoints: unknown
  try {
    const rings = JSON.parse(readFileSync(HASHRING_FILE, 'utf8')) as { endpoints?: unknown }[]
    endpoints = rings.flatMap((ring) => (Array.isArray(ring.endpoints) ? ring.endpoints : [ring.endpoints]))
  } catch (error) {
    throw new Error(`thanos/hashring.json: ${(error as Error).message}`)
  }
  if (JSON.stringify(endpoints) !== JSON.stringify(expected))
    throw new Error(
      `thanos/hashring.json names ${JSON.stringify(endpoints)}; the receive nodes listen on ${JSON.stringify(expected)}`,
    )
}

/** Thanos, started store nodes first: receive x2, the router that writes to both, the query. */
export function thanosComponents(): Component[] {
  const thanos = join(BIN, 'thanos')
  const receives: Component[] = THANOS_RECEIVES.map((node) => ({
    name: node.name,
    command: thanos,
    args: [
      'receive',
      ...receiveListeners(node),
      // An ingestor: it stores what the router forwards to it, and routes nothing itself.
      `--receive.local-endpoint=${loopback(node.grpc)}`,
      `--tsdb.path=${thanosReceiveData(node.name)}`,
      `--label=${REPLICA_LABEL}="${node.replica}"`,
      // As Prometheus's config does: exemplars kept, and late samples within 30 minutes stored
      // (a gateway's retried batch can land after a newer one).
      '--tsdb.max-exemplars=100000',
      '--tsdb.out-of-order.time-window=30m',
      '--tsdb.retention=1d',
    ],
    ports: [node.http, node.grpc, node.remoteWrite, node.capnp],
    ready: { kind: 'http', url: `http://${loopback(node.http)}/-/ready` },
    url: `http://${loopback(node.http)}/ (store node, StoreAPI on ${loopback(node.grpc)})`,
    topology: 'scale',
  }))
  const router: Component = {
    name: THANOS_ROUTER.name,
    command: thanos,
    args: [
      'receive',
      ...receiveListeners(THANOS_ROUTER),
      `--receive.hashrings-file=${HASHRING_FILE}`,
      `--receive.replication-factor=${REPLICATION_FACTOR}`,
      `--tsdb.path=${thanosReceiveData(THANOS_ROUTER.name)}`,
      // Thanos wants an identifying label on every receive, also one that stores nothing.
      '--label=receive_router="router-1"',
    ],
    ports: [THANOS_ROUTER.http, THANOS_ROUTER.grpc, THANOS_ROUTER.remoteWrite, THANOS_ROUTER.capnp],
    ready: { kind: 'http', url: `http://${loopback(THANOS_ROUTER.http)}/-/ready` },
    url: `${THANOS_REMOTE_WRITE_URL} (remote write; replication factor ${REPLICATION_FACTOR})`,
    prepare: checkHashring,
    topology: 'scale',
  }
  const query: Component = {
    name: THANOS_QUERY.name,
    command: thanos,
    args: [
      'query',
      `--http-address=${loopback(THANOS_QUERY.http)}`,
      `--grpc-address=${loopback(THANOS_QUERY.grpc)}`,
      '--http-grace-period=0s',
      '--grpc-grace-period=0s',
      `--endpoint.sd-config=${JSON.stringify({ endpoints: THANOS_RECEIVES.map((node) => ({ address: loopback(node.grpc) })) })}`,
      `--query.replica-label=${REPLICA_LABEL}`,
    ],
    ports: [THANOS_QUERY.http, THANOS_QUERY.grpc],
    ready: { kind: 'http', url: `${THANOS_QUERY_URL}/-/ready` },
    url: `${THANOS_QUERY_URL}/ (query layer: Prometheus HTTP API, deduplicated over ${REPLICA_LABEL})`,
    topology: 'scale',
  }
  return [...receives, router, query]
}

function collector(
  name: string,
  overlay: string,
  ports: { health: number; telemetry: number; otlpHttp?: number },
  env: Record<string, string>,
): Component {
  return {
    name,
    command: join(BIN, 'otelcol-fa'),
    args: ['config.yaml', overlay].flatMap((file) => ['--config', join(ROOT, 'otel-collector', file)]),
    env: {
      OTELCOL_BIND_HOST: '127.0.0.1',
      OTELCOL_HEALTH_PORT: String(ports.health),
      OTELCOL_TELEMETRY_PORT: String(ports.telemetry),
      ...(ports.otlpHttp === undefined ? {} : { OTELCOL_OTLP_HTTP_PORT: String(ports.otlpHttp) }),
      ...env,
    },
    ports: [ports.health, ports.telemetry, ...(ports.otlpHttp === undefined ? [] : [ports.otlpHttp])],
    ready: { kind: 'http', url: `http://127.0.0.1:${ports.health}/` },
    topology: 'scale',
  }
}

/** The two Collector tiers, gateways first so the agents have somewhere to send. */
export function collectorTiers(options: StackOptions, jaegerOtlpUrl: string): Component[] {
  const gateways = GATEWAYS.map((gateway) => {
    const component = collector(gateway.name, 'gateway.yaml', gateway, {
      GATEWAY_OTLP_GRPC_PORT: String(gateway.otlpGrpc),
      THANOS_REMOTE_WRITE_URL,
      JAEGER_OTLP_URL: jaegerOtlpUrl,
      ...(options.tracesKeepPercent === undefined
        ? {}
        : { TRACES_KEEP_PERCENT: String(options.tracesKeepPercent) }),
    })
    return {
      ...component,
      ports: [...component.ports, gateway.otlpGrpc],
      url: `OTLP/gRPC ${loopback(gateway.otlpGrpc)} (tail sampling, remote write to Thanos)`,
    }
  })
  // A YAML list: the Collector parses an environment value that is a whole field as YAML.
  const gatewayEndpoints = `[${GATEWAYS.map((g) => loopback(g.otlpGrpc)).join(', ')}]`
  const agents = AGENTS.map((agent, index) => ({
    ...collector(agent.name, 'agent.yaml', agent, { GATEWAY_OTLP_ENDPOINTS: gatewayEndpoints }),
    url: `${agentOtlpUrl((index + 1) as 1 | 2)} (OTLP/HTTP of api-${index + 1})`,
  }))
  return [...gateways, ...agents]
}
