/**
 * Bringing the stack, or one component of it, up and down. Every failure names the component and
 * shows its last log lines: a stack that fails quietly costs more time than one that fails loudly.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Component,
  components,
  everyComponent,
  POSTGRES_DATA,
  PROMETHEUS_DATA,
  REDIS_DATA,
  type StackOptions,
} from './components.ts'
import { ROOT, STATE } from './paths.ts'
import { lastLogLines, logPath, runningPid, start, stop } from './process.ts'
import { portInUse, waitReady } from './ready.ts'
import { run } from './run.ts'
import { THANOS_RECEIVES, THANOS_ROUTER, thanosReceiveData } from './scale.ts'

export class StackError extends Error {
  override name = 'StackError'
}

const READY_TIMEOUT_MS = 60_000

const TOPOLOGY_FILE = join(STATE, 'topology')

/** Which topology `up` last started ('scale' or 'single'): what `start`, `status` and `down` refer to. */
export function lastTopology(): StackOptions {
  try {
    return { scale: readFileSync(TOPOLOGY_FILE, 'utf8').trim() === 'scale' }
  } catch {
    return {}
  }
}

export function find(name: string, options: StackOptions = {}): Component {
  const component = everyComponent(options).find((c) => c.name === name)
  if (component === undefined) {
    const names = everyComponent(options).map((c) => c.name)
    throw new StackError(`unknown component "${name}" (one of: ${names.join(', ')})`)
  }
  return component
}

/** Starts one component and waits until it answers its readiness probe. */
export async function startComponent(
  component: Component,
  { freshLog = false, log = console.log } = {},
): Promise<void> {
  if (runningPid(component.name) !== undefined) {
    log(`stack: ${component.name} already running`)
    return
  }
  // Redis keeps its append-only file here; a restarted Redis reads it back.
  if (component.name === 'redis') mkdirSync(REDIS_DATA, { recursive: true })
  for (const port of component.ports) {
    if (await portInUse(port)) {
      throw new StackError(
        `${component.name}: port ${port} on 127.0.0.1 is already in use by another process (a stack started elsewhere? try npm run stack:down)`,
      )
    }
  }
  const pid = start(component, freshLog)
  const outcome = await waitReady(
    component.ready,
    () => runningPid(component.name) !== undefined,
    READY_TIMEOUT_MS,
  )
  if (outcome !== 'ready') {
    await stop(component.name, 2000)
    const why =
      outcome === 'exited' ? 'exited before it was ready' : `not ready after ${READY_TIMEOUT_MS / 1000}s`
    throw new StackError(
      `${component.name} ${why}. Last lines of ${logPath(component.name)}:\n${lastLogLines(component.name)}`,
    )
  }
  log(`stack: ${component.name} ready (pid ${pid})`)
}

export async function stopComponent(
  name: string,
  { log = console.log, graceMs = 10_000 } = {},
): Promise<void> {
  const stopSignal = everyComponent().find((c) => c.name === name)?.stopSignal
  const result = await stop(name, graceMs, stopSignal)
  log(`stack: ${name} ${result}`)
}

export interface UpOptions extends StackOptions {
  /** Keep Prometheus's, PostgreSQL's and Redis's data from the last run instead of starting empty. */
  keepData?: boolean
  /** Build the web UI (apps/web) first, so the first API replica serves it. */
  buildWeb?: boolean
  log?: (line: string) => void
}

/** Starts everything in order; on any failure stops what this call started and rethrows. */
export async function up(options: UpOptions = {}): Promise<void> {
  const log = options.log ?? console.log
  const all = components(options)
  const running = all.filter((c) => runningPid(c.name) !== undefined).map((c) => c.name)
  if (running.length > 0) {
    throw new StackError(`already running: ${running.join(', ')} (npm run stack:down first)`)
  }
  if (!options.keepData) {
    rmSync(PROMETHEUS_DATA, { recursive: true, force: true })
    rmSync(POSTGRES_DATA, { recursive: true, force: true })
    rmSync(REDIS_DATA, { recursive: true, force: true })
    for (const { name } of [...THANOS_RECEIVES, THANOS_ROUTER])
      rmSync(thanosReceiveData(name), { recursive: true, force: true })
  }
  mkdirSync(STATE, { recursive: true })
  writeFileSync(TOPOLOGY_FILE, options.scale ? 'scale\n' : 'single\n')
  if (options.buildWeb) await buildWebUi(log)
  const started: Component[] = []
  try {
    for (const component of all) {
      await startComponent(component, { freshLog: true, log })
      started.push(component)
    }
  } catch (error) {
    for (const component of started.reverse()) await stopComponent(component.name, { log })
    throw error
  }
  log('stack: up')
  for (const component of all) if (component.url) log(`  ${component.name.padEnd(10)} ${component.url}`)
  log(`  logs       .stack/logs/<component>.log`)
}

async function buildWebUi(log: (line: string) => void): Promise<void> {
  const script = join(ROOT, 'apps/web/build.ts')
  if (!existsSync(script)) {
    log('stack: apps/web/build.ts not found: the API runs without the web UI')
    return
  }
  await run(process.execPath, [script])
  log('stack: web UI built (apps/web/dist)')
}

/**
 * Stops everything, last started first, so the APIs flush to a Collector that is still there.
 * Both topologies' components are stopped; only the last one's are named when they were not running.
 */
export async function down({ log = console.log } = {}): Promise<void> {
  const current = new Set(components(lastTopology()).map((c) => c.name))
  for (const { name } of everyComponent().reverse()) {
    if (!current.has(name) && runningPid(name) === undefined) continue
    await stopComponent(name, { log })
  }
}

/** The last topology's components, and any other that still runs. */
export function status(options: StackOptions = lastTopology()): { name: string; pid: number | undefined }[] {
  const current = new Set(components(options).map((c) => c.name))
  return everyComponent(options)
    .map((c) => ({ name: c.name, pid: runningPid(c.name) }))
    .filter((c) => current.has(c.name) || c.pid !== undefined)
}
