/**
 * Graceful shutdown on SIGTERM/SIGINT: fail readiness, stop accepting, let in-flight requests finish,
 * then flush telemetry (so their metrics are in the last export) and close the rest. The process is
 * gone within timeoutMs: the drain may use the first DRAIN_SHARE of it; a client still holding a
 * connection then is cut off, and the closers (the telemetry flush among them) always get the rest.
 * A second signal ends the process at once.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
// Imported, not the global: under Deno 2 only node:process's `process.on` installs signal handlers.
import process from 'node:process'
import type { Logger } from 'pino'
import type { Readiness } from './routes/health.ts'

/** Of the shutdown budget, what the HTTP drain may use; the rest is kept for the flush. */
export const DRAIN_SHARE = 0.6

export interface ShutdownDeps {
  server: Server
  readiness: Readiness
  logger: Logger
  timeoutMs: number
  /**
   * Run in order after the server has drained (or its drain was cut short): telemetry flush first,
   * then stores. Each gets the milliseconds left before the process exits regardless.
   */
  closers: ((remainingMs: number) => Promise<unknown>)[]
}

const drain = async (server: Server, deadlineMs: number, logger: Logger): Promise<boolean> => {
  const closed = once(server, 'close')
  server.close()
  // Keep-alive connections that go idle after their last response would otherwise hold close() open.
  const sweep = setInterval(() => server.closeIdleConnections(), 100)
  server.closeIdleConnections()
  let timer: NodeJS.Timeout | undefined
  const cut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs)
  })
  try {
    const drained = await Promise.race([closed.then(() => true), cut])
    if (!drained) {
      logger.error({ drainMs: deadlineMs }, 'drain deadline passed: closing the connections still open')
      server.closeAllConnections()
    }
    return drained
  } finally {
    clearInterval(sweep)
    clearTimeout(timer)
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
    const end = Date.now() + deps.timeoutMs
    deps.readiness.shuttingDown = true
    deps.logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      deps.logger.error({ timeoutMs: deps.timeoutMs }, 'shutdown deadline passed: exiting')
      process.exit(1)
    }, deps.timeoutMs)
    deadline.unref()
    try {
      const drained = await drain(deps.server, Math.floor(deps.timeoutMs * DRAIN_SHARE), deps.logger)
      for (const close of deps.closers) await close(Math.max(0, end - Date.now()))
      if (!drained) {
        deps.logger.error('shutdown complete after cutting connections off')
        process.exit(1)
      }
      deps.logger.info('shutdown complete')
      process.exit(0)
    } catch (error) {
      deps.logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  for (const signal of signals) process.on(signal, (s: NodeJS.Signals) => void shutdown(s))
}
