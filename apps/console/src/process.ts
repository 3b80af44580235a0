/**
 * Runs the console (src/main.ts) as a child process on loopback with a fresh token, the way the
 * demo needs it: ready when it prints the address it listens on, stopped with SIGTERM. `url`
 * carries the token in its fragment, so opening it is all a user does.
 */
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { type RunningChild, startChildServer } from '@feature-analytics/test-support/child-process'

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

export interface ConsoleProcess extends RunningChild {
  /** Open this: the console's address with `#token=...`. */
  url: string
  baseUrl: string
  token: string
}

export class ConsoleStartError extends Error {
  override name = 'ConsoleStartError'
}

export async function startConsoleProcess(options: ConsoleProcessOptions): Promise<ConsoleProcess> {
  const token = newConsoleToken()
  const started = await startChildServer({
    name: 'the console',
    command: [process.execPath, CONSOLE_MAIN],
    // stdin stays open as a lifeline: main.ts exits when it closes, so a parent that dies never
    // leaves a console holding its port and cross-tenant data.
    stdin: 'pipe',
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
    // main.ts prints the address it listens on, port included, once it does.
    ready: (output) => /listening on (http:\/\/[^/\s]+)\//.exec(output)?.[1],
    readyTimeoutMs: options.readyTimeoutMs,
    startError: ConsoleStartError,
  })
  const baseUrl = started.ready
  return { url: `${baseUrl}/#token=${token}`, baseUrl, token, child: started.child, stop: started.stop }
}
