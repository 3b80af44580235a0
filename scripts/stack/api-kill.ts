/**
 * The API kill test (`npm run e2e -- --kill-api SECONDS`): SIGKILL one replica mid-simulation, keep
 * it down, restart it, and account for what that cost.
 *
 * What must hold: the other replica serves every tenant meanwhile, sessions included (they live in
 * PostgreSQL); the restarted replica finds every tenant, user and session that existed at the kill.
 * What is lost, and must be measured rather than hidden: the killed process aggregates metrics in
 * memory and exports them every interval, so whatever it counted after its last export dies with
 * it. Prometheus holds the killed instance's totals as of that export (read at the moment before
 * the restart, and added to the live instances' totals: what `increase()` over the run would see);
 * the check then finds the ledger ahead of Prometheus by exactly the loss, and the simulator's
 * request log bounds it from both sides.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type CheckResult,
  type Expr,
  instantQuery,
  type Mismatch,
  type Source,
  toPromQL,
} from '@feature-analytics/insights'
import { METRICS, PROMETHEUS_NAMES } from '@feature-analytics/schema'
import pg from 'pg'
import { API_URLS, DATABASE_URL } from './components.ts'
import { find, startComponent } from './control.ts'
import { kill } from './process.ts'

export const KILLED = { name: 'api-1', url: API_URLS[0], instance: 'api-1' } as const
const SURVIVOR = { url: API_URLS[1], instance: 'api-2' } as const
/** A restarted process is a new instance (as a new pod would be), so its series start fresh. */
export const RESTARTED_INSTANCE = 'api-1-restarted'

export class ApiKillError extends Error {
  override name = 'ApiKillError'
}

export interface Outage {
  killedAt: number
  /** The killed instance's last export before the kill (the sample time Prometheus holds). */
  lastExportAt: number
  /** Just before the restart: Prometheus's view of the killed instance is final by then. */
  frozenAt: number
}

interface Account {
  token: string
  email: string
  password: string
}

const call = async (url: string, path: string, init: { token?: string; body?: unknown } = {}) => {
  const response = await fetch(`${url}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown }
}

/** A tenant of our own, signed up on the replica that will die (sign-up is not feature usage). */
async function signUpOnVictim(): Promise<Account> {
  const email = `kill-probe-${randomUUID()}@example.com`
  const password = `kill probe ${randomUUID()}`
  const reply = await call(KILLED.url, '/api/signup', {
    body: { company: 'Kill Probe', name: 'Probe', email, password, plan: 'free' },
  })
  if (reply.status !== 201) throw new ApiKillError(`probe sign-up on ${KILLED.url}: ${reply.status}`)
  return { token: (reply.body as { token: string }).token, email, password }
}

async function expectSession(url: string, account: Account, when: string): Promise<void> {
  const me = await call(url, '/api/me', { token: account.token })
  if (me.status !== 200)
    throw new ApiKillError(`${when}: ${url} answered ${me.status} to a session made before the kill`)
}

type Rows = Record<'tenants' | 'users' | 'sessions', Set<string>>

async function rows(): Promise<Rows> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    const ids = async (sql: string) =>
      new Set((await client.query<{ id: string }>(sql)).rows.map((r) => r.id))
    return {
      tenants: await ids('SELECT id FROM tenants'),
      users: await ids('SELECT id FROM users'),
      sessions: await ids('SELECT token_hash AS id FROM sessions'),
    }
  } finally {
    await client.end()
  }
}

/** The newest sample time Prometheus holds for an instance's usage counter, as seen at `atMs`. */
async function lastExport(prometheusUrl: string, instance: string, atMs: number): Promise<number> {
  const promql = `max(timestamp(${PROMETHEUS_NAMES.usage}{service_instance_id="${instance}"}))`
  const [sample] = await instantQuery(prometheusUrl, promql, atMs)
  if (!sample)
    throw new ApiKillError(`Prometheus holds no usage from ${instance}: nothing to measure a loss against`)
  return sample.value * 1000
}

/**
 * Kills the replica `afterSeconds` into the simulation, checks the survivor and the database while
 * it is down, restarts it as a new instance after `downSeconds`, and checks it again.
 */
export async function apiOutage(
  prometheusUrl: string,
  downSeconds: number,
  afterSeconds: number,
  simulationDone: () => boolean,
  log: (line: string) => void,
): Promise<Outage> {
  const account = await signUpOnVictim()
  await sleep(afterSeconds * 1000)
  if (simulationDone())
    throw new ApiKillError(`the simulation ended before --kill-after ${afterSeconds}s: nothing to interrupt`)
  const before = await rows()
  if (!(await kill(KILLED.name)))
    throw new ApiKillError(`${KILLED.name} was not running when the kill was due`)
  const killedAt = Date.now()
  log(`${KILLED.name} killed (SIGKILL) ${afterSeconds}s into the simulation; down for ${downSeconds}s`)
  await expectSession(SURVIVOR.url, account, `while ${KILLED.name} is down`)
  log(`${SURVIVOR.instance} serves a session made on ${KILLED.name} before the kill`)
  await sleep(downSeconds * 1000)
  const frozenAt = Date.now()
  const lastExportAt = await lastExport(prometheusUrl, KILLED.instance, frozenAt)
  const component = find(KILLED.name)
  await startComponent(
    { ...component, env: { ...component.env, SERVICE_INSTANCE_ID: RESTARTED_INSTANCE } },
    { log },
  )
  await expectSession(KILLED.url, account, 'after the restart')
  const login = await call(KILLED.url, '/api/login', {
    body: { email: account.email, password: account.password },
  })
  if (login.status !== 200)
    throw new ApiKillError(
      `after the restart, a user signed up before the kill cannot log in (${login.status})`,
    )
  const after = await rows()
  for (const table of ['tenants', 'users', 'sessions'] as const) {
    const lost = [...before[table]].filter((id) => !after[table].has(id)).length
    if (lost > 0)
      throw new ApiKillError(`after the restart, ${lost} ${table} that existed at the kill are gone`)
  }
  log(
    `${KILLED.name} restarted as ${RESTARTED_INSTANCE}: all ${before.tenants.size} tenants, ${before.users.size} users and ` +
      `${before.sessions.size} sessions of the kill are there; the probe's session and login work on it`,
  )
  return { killedAt, lastExportAt, frozenAt }
}

const withInstance = (expr: Expr, instance: string): Expr => {
  if (expr.kind !== 'sum') throw new ApiKillError(`the kill check reads sums only, not ${expr.kind}`)
  return { ...expr, of: { ...expr.of, match: { ...expr.of.match, 'service.instance.id': instance } } }
}

/**
 * Prometheus as the check should read it across the kill: the survivor's and the restarted
 * instance's totals now, plus the killed instance's totals as of its last export.
 */
export function acrossTheKill(prometheusUrl: string, outage: Outage): Source {
  return {
    description: `Prometheus at ${prometheusUrl}, ${KILLED.instance} as of its last export plus the live instances`,
    async query(expr) {
      const parts = await Promise.all([
        instantQuery(prometheusUrl, toPromQL(withInstance(expr, SURVIVOR.instance))),
        instantQuery(prometheusUrl, toPromQL(withInstance(expr, RESTARTED_INSTANCE))),
        instantQuery(prometheusUrl, toPromQL(withInstance(expr, KILLED.instance)), outage.frozenAt),
      ])
      const merged = new Map<string, { labels: Record<string, string>; value: number }>()
      for (const series of parts.flat()) {
        const key = JSON.stringify(Object.entries(series.labels).sort())
        const found = merged.get(key)
        if (found) found.value += series.value
        else merged.set(key, { labels: series.labels, value: series.value })
      }
      return [...merged.values()]
    },
  }
}

export interface LossReport {
  /** The figure: usage events the killed replica counted after its last export. */
  lostUsage: number
  /** Usage answers from the killed replica sent after its last export: certainly not exported. */
  lowerBound: number
  /** Usage answers from it received after its last export: possibly not exported. */
  upperBound: number
  /** Per instrument, how far Prometheus is behind the ledger. */
  lostByInstrument: Record<string, number>
  /** Usage requests to the killed replica left without an answer by the kill: maybe counted in the store. */
  inDoubt: number
  /**
   * Mismatches the loss cannot explain: usage outside the bounds, or Prometheus ahead of the
   * ledger, except decision series ahead by no more than `inDoubt` in all (DECIDED_FROM_STORE).
   */
  unexplained: Mismatch[]
  lines: string[]
}

/**
 * What a billing decision records per feature the tenant used since its previous decision, read
 * from the shared store. A use the killed replica put in the store, on a request the simulator
 * never got an answer to (so not in the ledger), makes the tenant's next decision, on a live
 * replica, see one use more than the ledger: each of these series can come out one ahead per
 * such request (a new feature, or a higher usage band).
 */
const DECIDED_FROM_STORE: ReadonlySet<string> = new Set([
  METRICS.decisionFeatureUse,
  METRICS.upgradePriorUsage,
  METRICS.retentionOutcome,
])

interface RequestRecord {
  target: string
  sentAt: number
  answeredAt: number
  status: number
  usage: boolean
}

/** Reads the check's mismatches as the loss of the killed replica, bounded by the request log. */
export function accountLoss(result: CheckResult, requestsLog: string, outage: Outage): LossReport {
  const records = readFileSync(requestsLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RequestRecord)
  // Feature usage the killed replica answered (2xx, or 400: counted as outcome=error) before dying.
  // Every answer from its URL before the restart is the old process's, made before the kill, even
  // when the simulator read it after `killedAt`: on a loaded machine the simulator's clock lags the
  // server's by up to ~100 ms (a CI run read four answers after the kill and the bound came out two
  // events short of the loss).
  const counted = records.filter(
    (r) =>
      r.usage &&
      r.target === KILLED.url &&
      r.answeredAt <= outage.frozenAt &&
      ((r.status >= 200 && r.status < 300) || r.status === 400),
  )
  const after = (t: number) => t > outage.lastExportAt
  // Sent after the last export: counted after it, so lost. Answered after it: maybe counted after it.
  const lowerBound = counted.filter((r) => after(r.sentAt) && r.sentAt <= outage.killedAt).length
  const upperBound = counted.filter((r) => after(r.answeredAt)).length

  // Sent before the kill and never answered: the old process may have counted the use in the
  // store (the ledger has not). A CI run saw two decision series one ahead after eight such requests.
  const inDoubt = records.filter(
    (r) => r.usage && r.target === KILLED.url && r.status === 0 && r.sentAt <= outage.killedAt,
  ).length

  const lostByInstrument: Record<string, number> = {}
  /** Per decision instrument, how far Prometheus is ahead of the ledger, and where. */
  const ahead = new Map<string, { by: number; mismatches: Mismatch[] }>()
  const unexplained: Mismatch[] = []
  for (const mismatch of result.mismatches) {
    const behind = (mismatch.expected ?? 0) - (mismatch.actual ?? 0)
    if (behind > 0)
      lostByInstrument[mismatch.instrument] = (lostByInstrument[mismatch.instrument] ?? 0) + behind
    else if (behind < 0 && DECIDED_FROM_STORE.has(mismatch.instrument)) {
      const found = ahead.get(mismatch.instrument) ?? { by: 0, mismatches: [] }
      found.by -= behind
      found.mismatches.push(mismatch)
      ahead.set(mismatch.instrument, found)
    } else unexplained.push(mismatch)
  }
  const excused: string[] = []
  for (const [instrument, { by, mismatches }] of ahead) {
    if (by > inDoubt) unexplained.push(...mismatches)
    else excused.push(`${instrument} ${by}`)
  }
  const lostUsage = lostByInstrument[METRICS.usage] ?? 0
  const usageMismatches = result.mismatches.filter((m) => m.instrument === METRICS.usage)
  if (lostUsage < lowerBound || lostUsage > upperBound)
    unexplained.push(...usageMismatches.filter((m) => !unexplained.includes(m)))
  const windowSeconds = ((outage.killedAt - outage.lastExportAt) / 1000).toFixed(1)
  const others = Object.entries(lostByInstrument)
    .filter(([instrument]) => instrument !== METRICS.usage)
    .map(([instrument, n]) => `${instrument} ${n}`)
  const lines = [
    `API SIGKILL: ${KILLED.name} had exported last ${windowSeconds}s before the kill; ` +
      `it had counted ${lostUsage} usage events since then, lost with the process ` +
      `(the simulator's log bounds it: ${lowerBound} sent and ${upperBound} answered by ${KILLED.name} in that window)`,
    `API SIGKILL: also lost with it: ${others.length > 0 ? others.join(', ') : 'nothing else'}`,
    `API SIGKILL: ${counted.length} usage events were answered by ${KILLED.name} before the kill; ` +
      `${((100 * lostUsage) / Math.max(1, counted.length)).toFixed(2)}% of them were lost`,
    ...(excused.length === 0
      ? []
      : [
          `API SIGKILL: ${inDoubt} usage requests to ${KILLED.name} got no answer before the kill; ` +
            `uses it stored for them put decision series ahead of the ledger: ${excused.join(', ')} (at most ${inDoubt} each)`,
        ]),
  ]
  return { lostUsage, lowerBound, upperBound, inDoubt, lostByInstrument, unexplained, lines }
}
