/**
 * A real Prometheus for tests, on a free loopback port with a fresh data directory and the config
 * the stack ships (OTLP name translation, promoted resource attributes, its rule files).
 * Prometheus comes from the stack's provisioning (.stack/bin, `bash scripts/provision`) or
 * PROMETHEUS_BIN; without it a test fails, naming the command that provisions it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@feature-analytics/test-support/ports'

export const PROMETHEUS_BINARY =
  process.env.PROMETHEUS_BIN ?? fileURLToPath(new URL('../../../.stack/bin/prometheus', import.meta.url))
export const prometheusAvailable = existsSync(PROMETHEUS_BINARY)
const SHIPPED_CONFIG = fileURLToPath(new URL('../../../prometheus/prometheus.yml', import.meta.url))

export { freePort }

export interface PrometheusServer {
  url: string
  stop(): Promise<void>
}

/** Starts Prometheus with the OTLP receiver and `flags`, and waits until it is ready. */
export async function startPrometheus(flags: readonly string[] = []): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'insights-prometheus-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${SHIPPED_CONFIG}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-otlp-receiver',
      ...flags,
    ],
    { stdio: 'ignore' },
  )
  const stop = async () => {
    child.kill('SIGTERM')
    await rm(dir, { recursive: true, force: true })
  }
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (i > 150) {
      await stop()
      throw new Error(`Prometheus did not become ready at ${url}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, stop }
}
