/** startConsoleProcess, the demo's way to run the console: a real `node src/main.ts` child. */
import { describe, expect, it } from 'vitest'
import { ConsoleStartError, startConsoleProcess } from '../src/process.ts'

describe('startConsoleProcess', () => {
  it('is ready once the console listens, hands out the token in the URL, and stops with SIGTERM', async () => {
    // Nothing answers on port 1: the console still starts and shows that its source is down.
    const started = await startConsoleProcess({ metricsUrls: ['http://127.0.0.1:1/metrics'] })
    try {
      expect(started.url).toBe(`${started.baseUrl}/#token=${started.token}`)
      expect((await fetch(`${started.baseUrl}/healthz`)).status).toBe(200)
    } finally {
      await started.stop()
    }
    expect(started.child.signalCode ?? started.child.exitCode).not.toBeNull()
  })

  it('fails with the console’s own message when it exits during startup', async () => {
    // No metrics URL and no Prometheus: main.ts refuses to start.
    const start = startConsoleProcess({})
    await expect(start).rejects.toThrow(ConsoleStartError)
    await expect(start).rejects.toThrow(/the console exited during startup:\n.*no data source/)
  })
})
