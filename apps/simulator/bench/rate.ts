/**
 * bench:rate: can the simulator hold its target request rate? The API runs pinned to core 0, the
 * simulator pinned to core 1, on the bench scenario (sized well beyond the wall bound, so every
 * phase runs for its whole budget). Two phases, each on a fresh API: paced at the target, then
 * unpaced, to show the ceiling of this pair of cores.
 *
 * "10-minute equivalent": ten minutes of traffic at the target rate is 600 x target requests; with
 * `--seconds 600` the paced phase plays exactly that (the scenario compressed, no think time), and
 * with a shorter budget the bench reports how long those ten minutes would take at the achieved rate.
 *
 * Usage: npm run bench:rate -w @feature-analytics/simulator -- [--rate 400] [--seconds 30]
 *          [--unpaced-seconds N (default: --seconds)] [--concurrency 16]
 */
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startApiProcess } from '../src/api-process.ts'

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '30' },
    'unpaced-seconds': { type: 'string' },
    concurrency: { type: 'string', default: '16' },
  },
})
const target = Number(values.rate)
const seconds = Number(values.seconds)
const unpacedSeconds = Number(values['unpaced-seconds'] ?? values.seconds)
for (const [name, value] of [
  ['seconds', seconds],
  ['unpaced-seconds', unpacedSeconds],
  ['rate', target],
] as const) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: expected a number > 0, got ${value}`)
}
const scenario = fileURLToPath(new URL('../scenarios/bench.json', import.meta.url))
const worker = fileURLToPath(new URL('./worker.ts', import.meta.url))

interface Figures {
  requests: number
  events: number
  elapsedMs: number
  unexpected: number
  /** CPU time of the simulator process and of the API process during the phase. */
  cpuSeconds: number
  apiCpuSeconds: number
}

/** utime + stime of a process, from /proc (clock ticks are 100 Hz on Linux). */
function cpuSecondsOf(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function phase(rate: number, seconds: number): Promise<Figures> {
  // A fresh API per phase; the ingest limit is raised because the bench measures throughput.
  const api = await startApiProcess({
    cpu: 0,
    // The bench signs up thousands of tenants from one address: lift the per-address sign-up limit.
    env: {
      SEED_DEMO: 'false',
      INGEST_RATE_PER_SEC: '1000',
      INGEST_BURST: '1000',
      SIGNUP_MAX_PER_IP: '1000000',
    },
  })
  try {
    const apiCpuBefore = cpuSecondsOf(api.child.pid)
    // The worker's progress lines (stderr) go straight to the terminal: a phase can run for minutes.
    const child = execFile(
      'taskset',
      [
        '-c',
        '1',
        process.execPath,
        worker,
        '--target',
        api.url,
        '--scenario',
        scenario,
        '--rate',
        String(rate),
        '--duration',
        String(seconds),
        '--concurrency',
        values.concurrency,
      ],
      { timeout: (seconds + 60) * 1000, maxBuffer: 1 << 20 },
    )
    let stdout = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr?.pipe(process.stderr)
    const [code] = await once(child, 'exit')
    if (code !== 0) throw new Error(`the simulator worker exited with ${code}`)
    const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Figures
    return { ...figures, apiCpuSeconds: cpuSecondsOf(api.child.pid) - apiCpuBefore }
  } finally {
    await api.stop()
  }
}

const perSecond = (n: number, ms: number) => (n / (ms / 1000)).toFixed(0)
const busy = (f: Figures) =>
  `API core ${((f.apiCpuSeconds / (f.elapsedMs / 1000)) * 100).toFixed(0)}% busy, simulator core ${((f.cpuSeconds / (f.elapsedMs / 1000)) * 100).toFixed(0)}%`

console.log(
  `bench:rate: API on core 0, simulator on core 1, scenario ${scenario}, paced ${seconds} s, unpaced ${unpacedSeconds} s`,
)
const paced = await phase(target, seconds)
const unpaced = await phase(0, unpacedSeconds)
const achieved = paced.requests / (paced.elapsedMs / 1000)
console.log(
  `  paced at ${target} req/s: achieved ${achieved.toFixed(0)} req/s (${((achieved / target) * 100).toFixed(1)}% of target), ` +
    `${perSecond(paced.events, paced.elapsedMs)} events/s, ${paced.requests} requests in ${(paced.elapsedMs / 1000).toFixed(1)} s; ${busy(paced)}`,
)
console.log(
  `  unpaced: ${perSecond(unpaced.requests, unpaced.elapsedMs)} req/s, ${perSecond(unpaced.events, unpaced.elapsedMs)} events/s ` +
    `(${unpaced.requests} requests in ${(unpaced.elapsedMs / 1000).toFixed(1)} s); ${busy(unpaced)}`,
)
console.log(
  `  10-minute equivalent at the target: ${600 * target} requests, ${((600 * target) / achieved / 60).toFixed(1)} min of wall time at the paced rate`,
)
if (paced.unexpected + unpaced.unexpected > 0) {
  console.log(`  WARNING: ${paced.unexpected + unpaced.unexpected} unexpected answers during the bench`)
  process.exitCode = 1
}
