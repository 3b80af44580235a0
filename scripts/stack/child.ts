/**
 * Runs one of the repo's CLIs in the foreground, relaying its output line by line with a prefix
 * (so e2e progress reads as one log) and keeping the lines for the caller to parse.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { ROOT } from './paths.ts'

export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  lines: string[]
}

export interface Running {
  child: ChildProcess
  done: Promise<Finished>
}

export function runCli(script: string, args: string[], prefix: string): Running {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const relay = (stream: NodeJS.ReadableStream) =>
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line)
      console.log(`${prefix}${line}`)
    })
  relay(child.stdout as NodeJS.ReadableStream)
  relay(child.stderr as NodeJS.ReadableStream)
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, lines }))
  })
  return { child, done }
}
