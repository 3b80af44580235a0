/**
 * The Redis fault test: the real API as a process with REDIS_URL, a real redis-server persisting
 * every write to its AOF, and a simulation running through kill -9, an 8 s outage, a restart on the
 * same port and data directory, a 3 s SIGSTOP and a second kill-and-restart. Afterwards every
 * adoption stage the simulator's ledger expects is on the API's metrics exactly (none lost, none
 * fired twice), and the counts in Redis add up to the successful calls the ledger holds.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import {
  checkPassed,
  compareLedger,
  formatCheck,
  type Ledger,
  metricsEndpointSource,
} from '@feature-analytics/insights'
import { ATTR, METRICS } from '@feature-analytics/schema'
import { startRedis, type TestRedis } from '@feature-analytics/test-support/redis'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ApiProcess, loadScenario, simulate, startApiProcess } from '../src/index.ts'

const FAULTS = fileURLToPath(new URL('./fixtures/faults.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let dir: string
let redis: TestRedis
let api: ApiProcess
const logs: string[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simulator-redis-faults-'))
  redis = await startRedis({ aofDir: dir })
  api = await startApiProcess({
    env: {
      REDIS_URL: redis.url,
      LOG_LEVEL: 'info',
      // The simulator plays months of a heavy user on one session within a minute: far past what
      // the per-session browser budget believes of a person, which is not what this test is about.
      INGEST_SESSION_CLICKS: '1000000',
      INGEST_SESSION_VISITS: '1000000',
    },
    output: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(...chunk.toString().split('\n').filter(Boolean))
        done()
      },
    }),
  })
}, 60_000)
afterAll(async () => {
  await api?.stop()
  await redis?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Per feature, the successful calls the ledger holds: what the Redis counts must add up to. */
const successesByFeature = (ledger: Ledger) => {
  const totals = new Map<string, number>()
  for (const entry of ledger.totals[METRICS.usage] ?? []) {
    if (entry.attributes[ATTR.outcome] !== 'success' || !('value' in entry)) continue
    const feature = entry.attributes[ATTR.featureName] as string
    totals.set(feature, (totals.get(feature) ?? 0) + entry.value)
  }
  return totals
}

it('every adoption stage fires exactly once through Redis kill -9, restart and stall', async () => {
  const faults: string[] = []
  const at = (label: string, started: number) =>
    faults.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${label}`)
  const scenario = await loadScenario(FAULTS)
  const started = Date.now()
  const run = simulate({
    targets: [api.url],
    scenario,
    seed: 7,
    durationSeconds: 120,
    rate: 120,
    concurrency: 8,
  })
  let finished = false
  void run.finally(() => {
    finished = true
  })
  const schedule = (async () => {
    await sleep(2000)
    await redis.kill()
    at('kill -9', started)
    await sleep(8000)
    await redis.restart()
    at('restarted (same port, same AOF)', started)
    await sleep(2000)
    redis.stall()
    at('SIGSTOP', started)
    await sleep(3000)
    redis.resume()
    at('SIGCONT', started)
    await sleep(1500)
    await redis.restart()
    at('kill -9 and restart', started)
  })()
  const result = await run
  await schedule
  expect(finished).toBe(true)
  expect(result.complete).toBe(true)
  // Every answer was the one planned (no request failed or lost to the outage).
  expect(result.stats.surprises).toEqual([])
  // The last fault (17 s in) happened while the simulation was still sending requests.
  expect(result.elapsedMs).toBeGreaterThan(18_000)

  // Adds that met the outage are still retrying; the check passes once they have landed.
  let check = await compareLedger(result.ledger, await metricsEndpointSource(api.metricsUrl))
  for (let deadline = Date.now() + 70_000; !checkPassed(check) && Date.now() < deadline; ) {
    await sleep(1000)
    check = await compareLedger(result.ledger, await metricsEndpointSource(api.metricsUrl))
  }
  const stages = result.ledger.totals[METRICS.adoptionStage] ?? []
  const fired = Object.fromEntries(
    ['discovered', 'activated', 'adopted', 'power_user'].map((stage) => [
      stage,
      stages
        .filter((e) => e.attributes[ATTR.adoptionStage] === stage)
        .reduce((sum, e) => sum + ('value' in e ? e.value : 0), 0),
    ]),
  )
  process.stdout.write(
    `redis faults during the simulation: ${faults.join(', ')}; simulation ${result.elapsedMs} ms, ` +
      `${result.events} events, stages expected ${JSON.stringify(fired)}; ${formatCheck(check).split('\n').at(-1)}\n`,
  )
  if (!checkPassed(check)) {
    // What the API refused or folded, to tell a store fault from an ingest refusal.
    const page = await (await fetch(api.metricsUrl)).text()
    process.stdout.write(
      `${page
        .split('\n')
        .filter((l) => l.startsWith('product_tracker_dropped'))
        .join('\n')}\n`,
    )
  }
  expect(formatCheck(check)).toMatch(/checked \d+ series, 0 mismatches$/)
  expect(checkPassed(check)).toBe(true)
  expect(fired.activated).toBeGreaterThan(10)

  // Nothing counted twice or lost: the counts in Redis add up to the successful calls, per feature.
  const client = new Redis(redis.url)
  const inRedis = new Map<string, number>()
  for await (const keys of client.scanStream({ match: 'feature-analytics:adoption:count:*', count: 500 })) {
    for (const key of keys as string[]) {
      const feature = /^feature-analytics:adoption:count:(\d+):/.exec(key)
      const name = key
        .slice(key.indexOf(':', 'feature-analytics:adoption:count:'.length) + 1)
        .slice(0, Number(feature?.[1]))
      inRedis.set(name, (inRedis.get(name) ?? 0) + Number(await client.get(key)))
    }
  }
  await client.quit()
  expect(Object.fromEntries(inRedis)).toEqual(Object.fromEntries(successesByFeature(result.ledger)))

  // Nothing dropped, and the outage went through the JSON logs, not ioredis' stderr trace.
  const page = await (await fetch(api.metricsUrl)).text()
  expect(page).not.toMatch(/product_tracker_dropped_total\{[^}]*reason="store_error"[^}]*\} [1-9]/)
  expect(logs.join('\n')).not.toContain('Unhandled error event')
  const outages = logs.filter((l) => l.includes('Redis unreachable'))
  expect(outages.length).toBeGreaterThan(0)
  for (const line of outages)
    expect(JSON.parse(line)).toMatchObject({ level: 40, component: 'adoption-redis' })
}, 180_000)
