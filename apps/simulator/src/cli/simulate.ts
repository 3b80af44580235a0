/** `npm run simulate -- --help` */
import { createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { parseCommandLine } from '@feature-analytics/insights'
import { serializeLedger } from '../ledger.ts'
import { loadScenario, ScenarioError } from '../scenario.ts'
import { simulate } from '../simulate.ts'
import { DEFAULT_SCENARIO, fromUserCwd, httpUrls, positiveNumber, UsageError } from './paths.ts'

const HELP = `Plays a scenario of tenants against the API and writes a ledger of what the server acknowledged.

Usage: npm run simulate -- [options]

  --target URL[,URL...]  API instances; every tenant's requests are spread over all of them, as a load
                         balancer would (replicas sharing one database)  (default http://127.0.0.1:3000)
  --pin-tenants          instead, tenant i talks only to instance i mod N (replicas with their own stores)
  --requests-log FILE    one JSON line per request: target, sentAt, answeredAt (ms), status, usage
  --in-doubt-ok          requests whose connection broke after sending (an instance killed on purpose)
                         are reported but do not fail the run; they are never in the ledger
  --scenario FILE        scenario JSON, see the simulator README        (default scenarios/default.json)
  --seed N               seed; with the same scenario, the same ledger   (default 42)
  --duration SECONDS     wall-clock budget: the scenario's work is fixed by scenario + seed; if the budget
                         runs out first, tenants stop, a warning is printed and the ledger (still exact)
                         is no longer reproducible                       (default 600)
  --rate RPS             global request rate across all targets, 0 = unpaced (default 200)
  --ledger FILE          where to write the ledger                       (default ledger.json)
  --concurrency N        tenants played at the same time                 (default 8)
  --help                 this text

Progress goes to stderr every few seconds. Exit status: 0 done (also when cut short by --duration,
with a warning), 1 the server answered something the scenario did not plan, or a request got no answer
after it was sent (without --in-doubt-ok) (listed), 2 bad usage.`

async function main(): Promise<number> {
  const values = parseCommandLine(HELP, {
    target: { type: 'string', default: 'http://127.0.0.1:3000' },
    scenario: { type: 'string' },
    seed: { type: 'string', default: '42' },
    duration: { type: 'string', default: '600' },
    rate: { type: 'string', default: '200' },
    ledger: { type: 'string', default: 'ledger.json' },
    concurrency: { type: 'string', default: '8' },
    'pin-tenants': { type: 'boolean', default: false },
    'requests-log': { type: 'string' },
    'in-doubt-ok': { type: 'boolean', default: false },
  })
  if (!values) return 0
  const targets = httpUrls('target', values.target)
  const seed = positiveNumber('seed', values.seed, { integer: true, allowZero: true })
  const durationSeconds = positiveNumber('duration', values.duration)
  const rate = positiveNumber('rate', values.rate, { allowZero: true })
  const concurrency = positiveNumber('concurrency', values.concurrency, { integer: true })
  const ledgerFile = fromUserCwd(values.ledger)
  const scenario = await loadScenario(values.scenario ? fromUserCwd(values.scenario) : DEFAULT_SCENARIO)

  const log = (line: string) => process.stderr.write(`simulate: ${line}\n`)
  const requestsLog = values['requests-log']
    ? createWriteStream(fromUserCwd(values['requests-log']))
    : undefined
  log(
    `scenario ${scenario.scenario.name} (${scenario.scenario.tenants} tenants, ${scenario.scenario.periods} periods), seed ${seed}, ` +
      `${targets.length} target(s) ${values['pin-tenants'] ? 'with tenants pinned' : 'shared by every tenant'}, rate ${rate || 'unpaced'}, concurrency ${concurrency}, budget ${durationSeconds}s`,
  )
  const result = await simulate({
    targets,
    scenario,
    seed,
    durationSeconds,
    rate,
    concurrency,
    pinTenants: values['pin-tenants'],
    ...(requestsLog ? { onRequest: (record) => requestsLog.write(`${JSON.stringify(record)}\n`) } : {}),
    onProgress: log,
  })
  if (requestsLog) await new Promise((resolve) => requestsLog.end(resolve))
  await writeFile(ledgerFile, serializeLedger(result.ledger))

  const { stats, elapsedMs, events } = result
  const seconds = elapsedMs / 1000
  log(
    `done in ${seconds.toFixed(1)}s: ${stats.requests} requests (${(stats.requests / seconds).toFixed(0)}/s), ` +
      `${events} events (${(events / seconds).toFixed(0)}/s); planned errors: ${stats.plannedInvalid} invalid (400), ` +
      `${stats.plannedGated} gated (403), ${stats.plannedBrowserRejects} browser points refused; ` +
      `${stats.retried429} retries after 429, ${stats.rerouted} rerouted from an instance that refused; ledger: ${ledgerFile}`,
  )
  if (!result.complete) {
    log(
      `WARNING: the --duration budget of ${durationSeconds}s ran out before the scenario finished; ` +
        'the ledger is exact for what was done but not reproducible from the seed. Raise --duration or --rate.',
    )
  }
  if (stats.inDoubt > 0) {
    log(`${stats.inDoubt} requests in doubt: sent, then the connection broke (not in the ledger)`)
  }
  const failed = stats.unexpected > 0 || (stats.inDoubt > 0 && !values['in-doubt-ok'])
  if (stats.surprises.length > 0) {
    log(`${stats.unexpected} unexpected answers, ${stats.inDoubt} in doubt; the first ones:`)
    for (const line of stats.surprises) log(`  ${line}`)
  }
  if (failed) return 1
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const known =
      error instanceof UsageError ||
      error instanceof ScenarioError ||
      (error as Error).name === 'CatalogError'
    process.stderr.write(`simulate: ${known ? (error as Error).message : (error as Error).stack}\n`)
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write('run with --help for the options\n')
    }
    process.exitCode = 2
  },
)
