/**
 * Runs the sample API (apps/api/src/main.ts) as a child process on loopback, the way the demo and
 * the rate bench need it: its own /metrics on, optionally pinned to a CPU core, ready when
 * /readyz answers, stopped with SIGTERM so it flushes like in production.
 */
import { fileURLToPath } from 'node:url'
import { type RunningChild, startChildServer } from '@feature-analytics/test-support/child-process'
import { freePort } from '@feature-analytics/test-support/ports'

export const API_MAIN = fileURLToPath(new URL('../../api/src/main.ts', import.meta.url))

export interface ApiProcessOptions {
  port?: number
  metricsPort?: number
  /** Pin to this core with `taskset -c`. */
  cpu?: number
  /** Extra environment (LOG_LEVEL, INGEST_RATE_PER_SEC, ...). */
  env?: Record<string, string>
  /** Where the API's own output goes; by default it is kept and shown only if the API fails. */
  output?: NodeJS.WritableStream
  readyTimeoutMs?: number
}

export interface ApiProcess extends RunningChild {
  url: string
  metricsUrl: string
}

export class ApiStartError extends Error {
  override name = 'ApiStartError'
}

/** A free loopback port (get-port), for an API started without a fixed one. */
export { freePort }

export async function startApiProcess(options: ApiProcessOptions = {}): Promise<ApiProcess> {
  const port = options.port ?? (await freePort())
  const metricsPort = options.metricsPort ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const { child, stop } = await startChildServer({
    name: `the API at ${url}`,
    command:
      options.cpu === undefined
        ? [process.execPath, API_MAIN]
        : ['taskset', '-c', String(options.cpu), process.execPath, API_MAIN],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    output: options.output,
    ready: () =>
      fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
        (response) => response.ok || undefined,
        () => undefined,
      ),
    readyTimeoutMs: options.readyTimeoutMs,
    startError: ApiStartError,
  })
  return { url, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, child, stop }
}
