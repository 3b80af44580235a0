/**
 * Background processes with their pid and log in .stack/: started detached so they outlive the
 * CLI, stopped by pid with SIGTERM and, past a deadline, SIGKILL. A pid file is trusted only while
 * /proc says that pid still runs the same executable, so a recycled pid is never signalled.
 */
import { spawn } from 'node:child_process'
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Component } from './components.ts'
import { LOGS, PIDS } from './paths.ts'

export const logPath = (name: string) => join(LOGS, `${name}.log`)
const pidPath = (name: string) => join(PIDS, `${name}.pid`)

interface PidRecord {
  pid: number
  /** The resolved executable; compared with /proc/<pid>/exe (argv can be rewritten, as Redis does). */
  executable: string
}

/** `freshLog` truncates the log; a restart within a run appends, so the crash stays readable. */
export function start(component: Component, freshLog: boolean): number {
  mkdirSync(LOGS, { recursive: true })
  mkdirSync(PIDS, { recursive: true })
  const log = openSync(logPath(component.name), freshLog ? 'w' : 'a')
  try {
    component.prepare?.()
    const child = spawn(component.command, component.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...component.env },
      ...(component.runAs?.() ?? {}),
    })
    if (child.pid === undefined) throw new Error(`${component.name}: could not start ${component.command}`)
    child.unref()
    const record: PidRecord = { pid: child.pid, executable: realpathSync(component.command) }
    writeFileSync(pidPath(component.name), JSON.stringify(record))
    return child.pid
  } finally {
    closeSync(log)
  }
}

/** The pid of the component's process if it is running, else undefined (and a stale pid file is removed). */
export function runningPid(name: string): number | undefined {
  let record: PidRecord
  try {
    record = JSON.parse(readFileSync(pidPath(name), 'utf8')) as PidRecord
  } catch {
    return undefined
  }
  if (isRunning(record)) return record.pid
  rmSync(pidPath(name), { force: true })
  return undefined
}

function isRunning({ pid, executable }: PidRecord): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // A zombie has exited; it only waits for its parent to reap it.
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '') === executable
  } catch {
    return false
  }
}

/** SIGTERM (or `first`), then SIGKILL once `graceMs` has passed. Resolves when the process is gone. */
export async function stop(
  name: string,
  graceMs = 10_000,
  first: NodeJS.Signals = 'SIGTERM',
): Promise<'stopped' | 'killed' | 'not running'> {
  const pid = runningPid(name)
  if (pid === undefined) return 'not running'
  signal(pid, first)
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (runningPid(name) === undefined) return 'stopped'
    await sleep(100)
  }
  signal(pid, 'SIGKILL')
  while (runningPid(name) !== undefined) await sleep(50)
  return 'killed'
}

/** SIGKILL at once: the crash the collector-kill test simulates. */
export async function kill(name: string): Promise<boolean> {
  const pid = runningPid(name)
  if (pid === undefined) return false
  signal(pid, 'SIGKILL')
  while (runningPid(name) !== undefined) await sleep(50)
  return true
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    // The process leads its own group (detached), so this reaches any child it spawned too.
    process.kill(-pid, sig)
  } catch {
    try {
      process.kill(pid, sig)
    } catch {
      // Already gone.
    }
  }
}

export function lastLogLines(name: string, count = 30): string {
  try {
    const lines = readFileSync(logPath(name), 'utf8').trimEnd().split('\n')
    return lines.slice(-count).join('\n')
  } catch {
    return '(no log)'
  }
}
