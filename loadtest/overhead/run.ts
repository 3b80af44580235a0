/**
 * What the instrumentation costs a Koa service: throughput of one trivial feature route in each mode,
 * measured side by side in one run. The server runs on core 0 and this load generator on core 1
 * (taskset), modes are alternated round by round (A B C D, B C D A, ...), and the result is the
 * median over rounds of each mode's throughput as a ratio of the uninstrumented one in the same
 * round. Bounded: rounds x modes x seconds.
 *
 * `--route db` measures a route that writes a record to PostgreSQL and reads it back instead of
 * the do-nothing one; the harness starts a throwaway PostgreSQL (Debian's binaries, a temporary
 * data directory, synchronous_commit off) on core 0 beside the server, so all the serving side
 * shares one core.
 *
 *   npm run bench:overhead -w @feature-analytics/loadtest -- --rounds 4 --seconds 8 [--route db]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startRedis } from '@feature-analytics/test-support/redis'
import autocannon from 'autocannon'
import { startPostgres } from '../../scripts/lib/postgres.ts'
import { MODES, type Mode, REDIS_MODES, ROUTES, type Route, SPAN_MODES } from './server.ts'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    port: { type: 'string', default: '39111' },
    route: { type: 'string', default: 'search' },
    /** A subset of the modes, comma-separated (none is always included: ratios are to it). */
    modes: { type: 'string' },
  },
})
const route = values.route as Route
if (!ROUTES.includes(route)) {
  console.error(`bench: --route must be one of ${ROUTES.join(', ')}`)
  process.exit(2)
}
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const warmup = Number(values.warmup)
const connections = Number(values.connections)
const port = Number(values.port)
const wanted = values.modes?.split(',').map((m) => m.trim())
for (const mode of wanted ?? []) {
  if (!MODES.includes(mode as Mode)) {
    console.error(`bench: unknown mode ${mode}; modes are ${MODES.join(', ')}`)
    process.exit(2)
  }
}
const modes: readonly Mode[] = wanted ? MODES.filter((m) => m === 'none' || wanted.includes(m)) : MODES

const hasTaskset = spawnSync('taskset', ['-c', '1', 'true']).status === 0
if (!hasTaskset) {
  console.error('bench: taskset (util-linux) is required to pin server and load generator to different cores')
  process.exit(2)
}
// Pin ourselves (the load generator) to core 1; the server goes to core 0.
spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' })
// Commits do not wait for the WAL flush: on a shared machine the disk's flush latency, set by other
// tenants, would swamp every difference. Each request still goes through PostgreSQL for real.
const postgres =
  route === 'db' ? await startPostgres({ cpu: '0', settings: { synchronous_commit: 'off' } }) : undefined
// Redis, for the modes that use it, shares the server's core as PostgreSQL does.
const redis = modes.some((m) => REDIS_MODES.includes(m)) ? await startRedis() : undefined
if (redis) spawnSync('taskset', ['-cp', '0', String(redis.pid)], { stdio: 'ignore' })

async function startServer(mode: Mode): Promise<ChildProcess> {
  const server = spawn(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      fileURLToPath(new URL('./server.ts', import.meta.url)),
      mode,
      String(port),
      route,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        ...(postgres ? { DATABASE_URL: postgres.url() } : {}),
        ...(redis ? { REDIS_URL: redis.url } : {}),
      },
    },
  )
  const [line] = (await Promise.race([
    once(server.stdout as NodeJS.ReadableStream, 'data'),
    once(server, 'exit').then(() => {
      throw new Error(`bench: server for mode ${mode} exited before it was ready`)
    }),
  ])) as [Buffer]
  if (!line.toString().startsWith('ready')) throw new Error(`bench: unexpected server output: ${line}`)
  return server
}

async function load(duration: number): Promise<autocannon.Result> {
  const path = route === 'db' ? '/api/db' : '/api/search?q=x'
  return autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration, pipelining: 1 })
}

/**
 * The server's CPU time so far, in ms (user + system, from /proc; taskset execs node, so the pid is
 * the server's). On a machine other work shares, throughput follows the share of the core the
 * server gets; CPU time per request does not, so it is reported alongside.
 */
function cpuMillis(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime, stime in USER_HZ (100)
}

interface Sample {
  rps: number
  cpuUsPerRequest: number
}

async function measure(mode: Mode): Promise<Sample> {
  const server = await startServer(mode)
  try {
    await load(warmup)
    const cpuBefore = cpuMillis(server.pid as number)
    const result = await load(seconds)
    const cpu = cpuMillis(server.pid as number) - cpuBefore
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(
        `bench: mode ${mode} had ${result.non2xx} non-2xx responses and ${result.errors} errors`,
      )
    }
    return {
      rps: result.requests.total / seconds,
      cpuUsPerRequest: (cpu * 1000) / result.requests.total,
    }
  } finally {
    server.kill('SIGTERM')
    await once(server, 'exit')
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

const samples = new Map<Mode, number[]>(modes.map((m) => [m, []]))
/** The mode column's width: the longest mode name run. */
const width = Math.max(...modes.map((m) => m.length)) + 1
const cpuSamples = new Map<Mode, number[]>(modes.map((m) => [m, []]))
console.error(
  `bench: route ${route}, ${rounds} rounds x ${modes.length} modes x ${warmup + seconds}s, ${connections} connections`,
)
for (let round = 0; round < rounds; round++) {
  // Rotate the order every round so no mode always runs first (or last) on a warm machine.
  const order = modes.map((_, i) => modes[(i + round) % modes.length] as Mode)
  for (const mode of order) {
    const { rps, cpuUsPerRequest } = await measure(mode)
    samples.get(mode)?.push(rps)
    cpuSamples.get(mode)?.push(cpuUsPerRequest)
    console.error(
      `bench: round ${round + 1}/${rounds} ${mode.padEnd(width)} ${rps.toFixed(0)} req/s, ${cpuUsPerRequest.toFixed(1)} us CPU/request`,
    )
  }
}

// Each round ran every mode back to back, so a mode's ratio to `none` within a round shares that
// round's machine state; the median of those ratios is the figure to quote. Medians of the raw
// throughputs are printed alongside, with their spread across rounds.
const none = samples.get('none') ?? []
/** `min..max` of one mode's samples. */
const range = (xs: number[], digits: number) =>
  `${Math.min(...xs).toFixed(digits)}..${Math.max(...xs).toFixed(digits)}`
/** The median over rounds of each round's sample divided by that round's `base` sample. */
const medianRatio = (xs: number[], base: number[]) => median(xs.map((x, i) => x / (base[i] as number)))
console.log(
  `\n${'mode'.padEnd(width)} median req/s   min..max          vs none (median of per-round ratios)   cost`,
)
for (const mode of modes) {
  const rps = samples.get(mode) ?? []
  const ratio = medianRatio(rps, none)
  console.log(
    `${mode.padEnd(width)} ${median(rps).toFixed(0).padStart(12)}   ${range(rps, 0).padEnd(16)}  ${ratio.toFixed(3).padStart(7)}${' '.repeat(32)}${((1 - ratio) * 100).toFixed(1).padStart(5)}%`,
  )
}

// The spans' bar is against plain tracker: per round, how many points of `none`'s throughput a
// serverSpan() mode lost beyond tracker; the median over rounds, with the range.
const tracker = samples.get('tracker') ?? []
const spanModes = modes.filter((m) => SPAN_MODES[m] !== undefined)
if (tracker.length > 0) console.log('')
for (const mode of tracker.length > 0 ? spanModes : []) {
  const points = (samples.get(mode) ?? []).map(
    (r, i) => (((tracker[i] as number) - r) / (none[i] as number)) * 100,
  )
  console.log(`${mode} vs tracker: ${median(points).toFixed(1)} points below (rounds ${range(points, 1)})`)
}

// Server CPU per request, the same way: each mode's median over rounds and its ratio to none in
// the same round. The throughput a mode can reach on a core of its own is the inverse of this.
const noneCpu = cpuSamples.get('none') ?? []
console.log(
  `\n${'mode'.padEnd(width)} median us CPU/request   min..max        vs none (median of per-round ratios)`,
)
for (const mode of modes) {
  const cpu = cpuSamples.get(mode) ?? []
  console.log(
    `${mode.padEnd(width)} ${median(cpu).toFixed(1).padStart(20)}   ${range(cpu, 1).padEnd(14)}  ${medianRatio(cpu, noneCpu).toFixed(3).padStart(7)}`,
  )
}
const trackerCpu = cpuSamples.get('tracker') ?? []
for (const mode of trackerCpu.length > 0 ? spanModes : []) {
  // Throughput-equivalent: on a core of its own, the mode serves tracker's CPU/request divided by
  // its own, as a share of tracker's throughput; expressed in points of none's throughput.
  const points = (cpuSamples.get(mode) ?? []).map(
    (c, i) => ((noneCpu[i] as number) / (trackerCpu[i] as number) - (noneCpu[i] as number) / c) * 100,
  )
  console.log(
    `${mode} vs tracker, by CPU/request: ${median(points).toFixed(1)} points of none's throughput below (rounds ${range(points, 1)})`,
  )
}
await postgres?.destroy()
await redis?.stop()
