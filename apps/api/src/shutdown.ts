/**
 * Graceful shutdown on SIGTERM/SIGINT: fail readiness, stop accepting, let in-flight requests finish,
 * then flush telemetry (so their metrics are in the last export) and close the rest. A deadline, or a
 * second signal, ends the process regardless.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
// Imported, not the global: under Deno 2 only node:process's `process.on` installs signal handlers.
import process from 'node:process'
import type { Logger } from 'pino'
import type { Readiness } from './routes/health.ts'

export interface ShutdownDeps {
  server: Server
  readiness: Readiness
  logger: Logger
  timeoutMs: number
  /** Run in order after the server has drained: telemetry flush first, then stores. */
  closers: (() => Promise<unknown>)[]
}

const drain = async (server: Server): Promise<void> => {
  const closed = once(server, 'close')
  server.close()
  // Keep-alive connections that go idle after their last response would otherwise hold close() open.
  const sweep = setInterval(() => server.closeIdleConnections(), 100)
  server.closeIdleConnections()
  try {
    await closed
  } finally {
    clearInterval(sweep)
  }
}

export const installShutdown = (
  deps: ShutdownDeps,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void => {
  let started = false
  const shutdown = async (signal: NodeJS.Signals) => {
    if (started) {
      deps.logger.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    started = true
    deps.readiness.shuttingDown = true
    deps.logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      deps.logger.error({ timeoutMs: deps.timeoutMs }, 'shutdown deadline passed: exiting')
      process.exit(1)
    }, deps.timeoutMs)
    deadline.unref()
    try {
      await drain(deps.server)
      for (const close of deps.closers) await close()
      deps.logger.info('shutdown complete')
      process.exit(0)
    } catch (error) {
      deps.logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  for (const signal of signals) process.on(signal, (s: NodeJS.Signals) => void shutdown(s))
}
