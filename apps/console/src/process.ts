/**
 * Runs the console (src/main.ts) as a child process on loopback with a fresh token, the way the
 * demo needs it: ready when /healthz answers, stopped with SIGTERM. `url` carries the token in its
 * fragment, so opening it is all a user does.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export const CONSOLE_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))

export const newConsoleToken = (): string => randomBytes(16).toString('hex')

export interface ConsoleProcessOptions {
  /** 0 or absent: a free port. */
  port?: number
  metricsUrls?: readonly string[]
  prometheusUrl?: string
  jaegerUrl?: string
  pollMs?: number
  readyTimeoutMs?: number
}

export interface ConsoleProcess {
  /** Open this: the console's address with `#token=...`. */
  url: string
  baseUrl: string
  token: string
  child: ChildProcess
  stop(): Promise<void>
}

export class ConsoleStartError extends Error {
  override name = 'ConsoleStartError'
}

export async function startConsoleProcess(options: ConsoleProcessOptions): Promise<ConsoleProcess> {
  const token = newConsoleToken()
  const child = spawn(process.execPath, [CONSOLE_MAIN], {
    // stdin stays open as a lifeline: main.ts exits when it closes, so a parent that dies never
    // leaves a console holding its port and cross-tenant data.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CONSOLE_HOST: '127.0.0.1',
      CONSOLE_PORT: String(options.port ?? 0),
      CONSOLE_TOKEN: token,
      CONSOLE_EXIT_WITH_PARENT: 'true',
      METRICS_URL: (options.metricsUrls ?? []).join(','),
      PROMETHEUS_URL: options.prometheusUrl ?? '',
      JAEGER_URL: options.jaegerUrl ?? '',
      ...(options.pollMs ? { CONSOLE_POLL_MS: String(options.pollMs) } : {}),
    },
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = once(child, 'exit')
  // main.ts prints the address it listens on, port included, once it does.
  const listening = new Promise<string>((resolve) => {
    child.stdout?.on('data', () => {
      const match = /listening on (http:\/\/[^/\s]+)\//.exec(output)
      if (match?.[1]) resolve(match[1])
    })
  })
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), options.readyTimeoutMs ?? 30_000).unref(),
  )
  const outcome = await Promise.race([listening, exited.then(() => 'exited' as const), timeout])
  if (outcome === 'exited' || outcome === 'timeout') {
    child.kill('SIGKILL')
    throw new ConsoleStartError(
      `the console ${outcome === 'exited' ? 'exited during startup' : 'did not start in time'}:\n${output.trim()}`,
    )
  }
  return {
    url: `${outcome}/#token=${token}`,
    baseUrl: outcome,
    token,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
