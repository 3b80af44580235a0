/**
 * `npm run demo`: the whole idea on embedded defaults (the embedded PGlite database, no Collector,
 * the API's own /metrics). `npm run demo` installs the workspace first (scripts/run.mjs); this
 * builds the web app, starts the API, plays the simulator's default scenario against it, prints
 * what the metrics say (usage, adoption, upgrades, retention, against the planted ground truth),
 * exits 1 if the metrics disagree with the simulator's ledger, and keeps the API running for the
 * web UI until Ctrl-C.
 *
 *   node scripts/demo.ts [--port 3000] [--metrics-port 9464] [--console-port 3020] [--duration 90]
 *                        [--rate 400] [--scenario FILE] [--seed 42] [--json FILE] [--exit]
 *
 * The summary is the report (`npm run report`): the same tables, and with --json the same JSON.
 *
 * Ports 0 pick free ones. --duration is the simulation's wall-clock budget; --exit stops after the
 * summary (used by the test).
 */
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startConsoleProcess } from '@feature-analytics/console'
import {
  CATALOG,
  checkableWindows,
  checkPassed,
  collectReport,
  combineChecks,
  compareActiveUsers,
  compareLedger,
  formatCheck,
  formatInsights,
  metricsEndpointSource,
  reportJson,
} from '@feature-analytics/insights'
import {
  ApiStartError,
  loadScenario,
  plantedReport,
  simulate,
  startApiProcess,
} from '@feature-analytics/simulator'
import { DEFAULT_METRICS_PORT } from '@feature-analytics/tracker-node'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    'metrics-port': { type: 'string', default: String(DEFAULT_METRICS_PORT) },
    'console-port': { type: 'string', default: '3020' },
    duration: { type: 'string', default: '90' },
    rate: { type: 'string', default: '400' },
    scenario: { type: 'string' },
    seed: { type: 'string', default: '42' },
    json: { type: 'string' },
    exit: { type: 'boolean', default: false },
  },
})

const say = (line = '') => process.stdout.write(`${line}\n`)

function run(what: string, command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (result.status === 0) return true
  say(
    `demo: ${what} failed (${command} ${args.join(' ')}):\n${(result.stderr || result.stdout || '').trim()}`,
  )
  return false
}

say('demo: building the web app ...')
const webBuilt = run('the web build', 'npm', ['run', 'build', '--silent', '-w', '@feature-analytics/web'])

const port = Number(values.port)
const metricsPort = Number(values['metrics-port'])
say('demo: starting the API (embedded database, no Collector, its own /metrics) ...')
let api: Awaited<ReturnType<typeof startApiProcess>>
try {
  api = await startApiProcess({
    ...(port > 0 ? { port } : {}),
    ...(metricsPort > 0 ? { metricsPort } : {}),
    env: { SEED_DEMO: 'true', LOG_LEVEL: 'warn' },
  })
} catch (error) {
  if (!(error instanceof ApiStartError)) throw error
  say(`demo: ${error.message}`)
  if (/EADDRINUSE/.test(error.message))
    say('demo: a port is taken: pass --port N / --metrics-port N (0 = any free port)')
  process.exit(1)
}

// Started before the simulation: its time axis begins when it starts polling the API's /metrics.
say('demo: starting the insights console (charts, polling the API’s /metrics) ...')
const insightsConsole = await startConsoleProcess({
  port: Number(values['console-port']),
  metricsUrls: [api.metricsUrl],
}).catch((error: Error) => {
  say(`demo: the console did not start (--console-port 0 picks a free port): ${error.message}`)
  return undefined
})

let stopping = false
const shutdown = async () => {
  if (stopping) return
  stopping = true
  say('\ndemo: stopping the console and the API ...')
  await insightsConsole?.stop()
  await api.stop()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)

const scenarioFile = values.scenario
  ? resolve(values.scenario)
  : resolve(ROOT, 'apps/simulator/scenarios/default.json')
const scenario = await loadScenario(scenarioFile)
say(
  `demo: simulating ${scenario.scenario.tenants} tenants over ${scenario.scenario.periods} billing periods ` +
    `(seed ${values.seed}, at most ${values.duration}s at ${values.rate} requests/s) ...`,
)
const simulationStarted = Date.now()
const result = await simulate({
  targets: [api.url],
  scenario,
  seed: Number(values.seed),
  durationSeconds: Number(values.duration),
  rate: Number(values.rate),
  concurrency: 8,
  onProgress: (line) => say(`  ${line}`),
})
const { stats } = result
say(
  `demo: simulated ${stats.requests} requests and ${result.events} events in ${(result.elapsedMs / 1000).toFixed(0)}s` +
    (result.complete ? '' : ' (cut short by --duration: the summary covers what was done)'),
)

const source = await metricsEndpointSource(api.metricsUrl)
const insights = await collectReport(source)
const checkable = checkableWindows(simulationStarted)
if (checkable.skipped) say(`demo: ${checkable.skipped}`)
const check = combineChecks(
  await compareLedger(result.ledger, source),
  await compareActiveUsers(result.ledger, source, checkable.windows),
)

say(`\n=== What the metrics say (npm run report -- --api-metrics ${api.metricsUrl}) ===\n`)
say(formatInsights(insights))
if (values.json) {
  await writeFile(resolve(values.json), reportJson(insights))
  say(`\ndemo: wrote the report as JSON to ${resolve(values.json)}`)
}
say('\nPlanted ground truth vs what the metrics found')
for (const line of plantedReport(scenario.scenario.planted, insights)) say(`  ${line}`)
say(`\nLedger vs metrics: ${formatCheck(check).split('\n').at(-1)}`)
// The metrics must hold exactly what the simulation did; a demo that disagrees must not look fine.
if (!checkPassed(check)) process.exitCode = 1

say('\n=== Where to look next ===')
say(
  webBuilt
    ? `  Web UI        ${api.url}/  (log in as demo-pro@example.com, demo-free@ or demo-enterprise@, password demo-password)`
    : `  Web UI        not built (see the error above); the API is at ${api.url}/api/features`,
)
if (insightsConsole) {
  say(`  Console       ${insightsConsole.url}  (charts; the link carries its token)`)
}
say(`  Metrics       ${api.metricsUrl}  (Prometheus text, what the summary above was computed from)`)
say(`  Report        npm run report -- --api-metrics ${api.metricsUrl} --json r.json`)
say(`  PromQL        e.g. ${CATALOG.decisionFeatureUse.promql}`)
say(
  '  Full stack    npm run stack:up   (node scripts/stack.ts up: Redis, Prometheus, Jaeger, our Collector, two API replicas, the console)',
)
say('                npm run e2e        (a seeded simulation over both replicas, checked against Prometheus)')

if (values.exit) {
  await insightsConsole?.stop()
  await api.stop()
} else {
  say('\ndemo: the API and the console keep running; Ctrl-C to stop.')
}
