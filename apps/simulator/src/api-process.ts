/**
 * Runs the sample API (apps/api/src/main.ts) as a child process on loopback, the way the demo and
 * the rate bench need it: its own /metrics on, optionally pinned to a CPU core, ready when
 * /readyz answers, stopped with SIGTERM so it flushes like in production.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import getPort from 'get-port'

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

export interface ApiProcess {
  url: string
  metricsUrl: string
  child: ChildProcess
  stop(): Promise<void>
}

export class ApiStartError extends Error {
  override name = 'ApiStartError'
}

/** A free loopback port (get-port), for an API started without a fixed one. */
export const freePort = (): Promise<number> => getPort({ host: '127.0.0.1' })

export async function startApiProcess(options: ApiProcessOptions = {}): Promise<ApiProcess> {
  const port = options.port ?? (await freePort())
  const metricsPort = options.metricsPort ?? (await freePort())
  const command =
    options.cpu === undefined
      ? [process.execPath, API_MAIN]
      : ['taskset', '-c', String(options.cpu), process.execPath, API_MAIN]
  const [file, ...args] = command as [string, ...string[]]
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  })
  const tail: string[] = []
  const keep = (chunk: Buffer) => {
    if (options.output) options.output.write(chunk)
    else tail.push(chunk.toString())
    if (tail.length > 50) tail.shift()
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let exited = false
  child.once('exit', () => {
    exited = true
  })

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000)
  for (;;) {
    if (exited) throw new ApiStartError(`the API exited during startup:\n${tail.join('').trim()}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new ApiStartError(`the API did not become ready at ${url}/readyz:\n${tail.join('').trim()}`)
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  return {
    url,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    child,
    async stop() {
      if (exited) return
      const gone = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await gone
      clearTimeout(timer)
    },
  }
}
