import { diag } from '@opentelemetry/api'

export interface ShutdownHandlerOptions {
  signals?: NodeJS.Signals[]
  /** The whole sequence (beforeShutdown + flush) gets this long; default 5000 ms. */
  timeoutMillis?: number
  /** Runs first, e.g. to stop accepting requests so their metrics make it into the final flush. */
  beforeShutdown?: () => unknown
}

export const DEFAULT_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']

/** Resolves when `work` settles or the deadline passes, whichever is first; never rejects. */
export function withDeadline(work: () => unknown, timeoutMillis: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      diag.warn(`telemetry shutdown did not finish within ${timeoutMillis} ms`)
      resolve()
    }, timeoutMillis)
  })
  const done = Promise.resolve()
    .then(work)
    .then(
      () => undefined,
      (error: unknown) => diag.error('telemetry shutdown failed', error),
    )
  return Promise.race([done, deadline]).finally(() => clearTimeout(timer))
}

/**
 * On the first of `signals`: run beforeShutdown, flush and shut down within the deadline, then
 * let the signal do what it would have done (re-raised, so the exit status still says SIGTERM),
 * unless the application listens for it too, in which case exiting is its call.
 * Returns a function that removes the handlers.
 */
export function installShutdownHandlers(
  telemetry: { shutdown(): Promise<void> },
  options: ShutdownHandlerOptions = {},
): () => void {
  const signals = options.signals ?? DEFAULT_SIGNALS
  const timeoutMillis = options.timeoutMillis ?? 5000
  const uninstall = () => {
    for (const s of signals) process.removeListener(s, onSignal)
  }
  function onSignal(signal: NodeJS.Signals) {
    uninstall()
    void withDeadline(async () => {
      await options.beforeShutdown?.()
      await telemetry.shutdown()
    }, timeoutMillis).then(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    })
  }
  for (const s of signals) process.on(s, onSignal)
  return uninstall
}
