/**
 * A simulation run: each tenant's requests spread over all API instances, as a load balancer behind
 * replicas that share one database would spread them (or, with `pinTenants`, tenant i kept on
 * instance i mod N, for replicas that each keep their own store), played concurrently with a
 * bounded pool, paced by one global token bucket, cut off by the duration budget.
 *
 * The amount of work is a function of the scenario and the seed alone. `durationSeconds` is a
 * budget, not a target: when it runs out, tenants stop between requests, the run reports
 * `complete: false`, and the ledger (still exactly what the server acknowledged) is no longer
 * reproducible from the seed.
 */
import { createHash, randomBytes } from 'node:crypto'
import { base, en, Faker } from '@faker-js/faker'
import type { Ledger } from '@feature-analytics/insights'
import { TokenBucket } from 'limiter'
import pLimit from 'p-limit'
import { TenantBook } from './book.ts'
import { checkCatalogs, fetchCatalog } from './catalog.ts'
import { ApiClient, BudgetExhausted, type RequestRecord } from './client.ts'
import { LedgerBuilder } from './ledger.ts'
import type { LoadedScenario } from './scenario.ts'
import { Stats } from './stats.ts'
import { TenantActor } from './tenant.ts'

export interface SimulateOptions {
  targets: readonly string[]
  scenario: LoadedScenario
  seed: number
  durationSeconds: number
  /** Requests per second across all targets; 0 means unpaced. */
  rate: number
  concurrency: number
  /** Tenant i only talks to target i mod N (replicas that do not share tenants and sessions). */
  pinTenants?: boolean
  /** Called after every request with where it went and when it was answered. */
  onRequest?: (record: RequestRecord) => void
  /** Receives a progress line every `progressEveryMs` (default 3 s). */
  onProgress?: (line: string) => void
  progressEveryMs?: number
}

export interface SimulateResult {
  ledger: Ledger
  stats: Stats
  complete: boolean
  elapsedMs: number
  /** Acknowledged events: usage calls, clicks, visits, stages, plan changes, outcomes. */
  events: number
}

/** The tenant's generator seed: a hash, so neighbouring seeds and indexes give unrelated streams. */
export function tenantSeed(seed: number, index: number): number {
  return createHash('sha256').update(`${seed}:${index}`).digest().readUInt32BE(0)
}

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const { scenario } = options.scenario
  const started = Date.now()
  const deadline = started + options.durationSeconds * 1000
  const stats = new Stats()
  const pacer =
    options.rate > 0
      ? new TokenBucket({
          // A twentieth of a second of burst keeps the pace smooth without starving a waiting actor.
          bucketSize: Math.max(1, Math.ceil(options.rate / 20)),
          tokensPerInterval: options.rate,
          interval: 'second',
        })
      : undefined
  const perTarget = options.targets.map(
    (target) => new ApiClient(target, pacer, stats, deadline, options.onRequest),
  )
  const clients = options.pinTenants
    ? perTarget
    : [new ApiClient(options.targets, pacer, stats, deadline, options.onRequest)]
  const catalogs = await Promise.all(perTarget.map(fetchCatalog))
  checkCatalogs(catalogs, scenario)
  const catalog = catalogs[0] ?? new Map()

  const ledger = new LedgerBuilder()
  const runTag = randomBytes(4).toString('hex')
  const totalPeriods = scenario.tenants * scenario.periods
  let periodsDone = 0
  let tenantsDone = 0
  let complete = true

  const progress = () => {
    const elapsed = (Date.now() - started) / 1000
    const done = periodsDone / totalPeriods
    const left =
      done > 0 ? Math.min(elapsed * (1 / done - 1), Math.max(0, (deadline - Date.now()) / 1000)) : Number.NaN
    options.onProgress?.(
      [
        `${elapsed.toFixed(0)}s elapsed, ${Number.isNaN(left) ? '?' : `~${left.toFixed(0)}s`} remaining`,
        `${stats.requests} requests (${(stats.requests / elapsed || 0).toFixed(0)}/s), ${(ledger.events / elapsed || 0).toFixed(0)} events/s`,
        `tenants ${tenantsDone}/${scenario.tenants} done`,
        `errors: ${stats.plannedInvalid} invalid + ${stats.plannedGated} gated as planned, ${stats.unexpected} unexpected`,
      ].join(' | '),
    )
  }
  const timer = setInterval(progress, options.progressEveryMs ?? 3000)
  timer.unref()

  const limit = pLimit(Math.max(1, options.concurrency))
  try {
    await Promise.all(
      Array.from({ length: scenario.tenants }, (_, index) =>
        limit(async () => {
          const actor = new TenantActor({
            index,
            scenario,
            faker: new Faker({ locale: [en, base], seed: tenantSeed(options.seed, index) }),
            client: clients[index % clients.length] as ApiClient,
            catalog,
            book: new TenantBook(ledger),
            stats,
            runTag,
            periodDone: () => periodsDone++,
          })
          try {
            await actor.run()
          } catch (error) {
            if (!(error instanceof BudgetExhausted)) throw error
            complete = false
          }
          tenantsDone++
        }),
      ),
    )
  } finally {
    clearInterval(timer)
  }
  progress()
  return {
    ledger: ledger.build(options.seed, options.scenario),
    stats,
    complete,
    elapsedMs: Date.now() - started,
    events: ledger.events,
  }
}
