import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { METRICS } from '@feature-analytics/schema'
import { otlpReceiver } from '@feature-analytics/test-support/otlp-receiver'
import { describe, expect, it } from 'vitest'

describe('shutdown on SIGTERM', () => {
  it('flushes what was tracked to the endpoint from OTEL_* variables, then exits by the signal', async () => {
    const receiver = await otlpReceiver()
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/signal-child.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
        child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)))
      })
      expect(receiver.metrics).toHaveLength(0)
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      )
      child.kill('SIGTERM')
      expect(await exited).toBe('SIGTERM')
      expect(receiver.points(METRICS.usage).map((p) => p.value)).toEqual([3])
      expect(receiver.resource()).toMatchObject({
        'service.name': 'signal-child',
        'deployment.environment.name': 'test',
      })
    } finally {
      child.kill('SIGKILL')
      await receiver.close()
    }
  }, 20_000)
})
