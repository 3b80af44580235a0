/**
 * `node src/main.ts` (npm start): builds the page, picks the source (Prometheus when
 * PROMETHEUS_URL is set, else the API's /metrics at METRICS_URL), and serves the console on
 * CONSOLE_HOST:CONSOLE_PORT (127.0.0.1:3020). Settings: src/server/config.ts and the README.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPage } from '../build.ts'
import { createConsoleApp } from './server/app.ts'
import { ConfigError, loadConfig } from './server/config.ts'
import { MetricsHistory } from './server/history.ts'
import { PrometheusClient } from './server/prometheus.ts'
import { embeddedSource, prometheusDataSource } from './server/sources.ts'

const say = (line: string) => process.stdout.write(`console: ${line}\n`)

const config = (() => {
  try {
    return loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`console: ${error.message}\n`)
    process.exit(2)
  }
})()

// A directory of its own: two consoles starting at once (the demo and the stack) never race.
const pageDir = await buildPage(mkdtempSync(join(tmpdir(), 'feature-analytics-console-')))
const history = config.prometheusUrl
  ? undefined
  : new MetricsHistory({ urls: config.metricsUrls, maxPoints: config.historySize, pollMs: config.pollMs })
history?.start()
const source = config.prometheusUrl
  ? prometheusDataSource(new PrometheusClient(config.prometheusUrl), config.jaegerUrl)
  : embeddedSource(history as MetricsHistory)

const app = createConsoleApp({ token: config.token, source, jaegerUrl: config.jaegerUrl, pageDir })
app.on('error', (error: Error) => process.stderr.write(`console: ${error.name}: ${error.message}\n`))
const server = app.listen(config.port, config.host)
server.once('error', (error) => {
  process.stderr.write(`console: cannot listen on ${config.host}:${config.port}: ${error.message}\n`)
  process.exit(1)
})
server.once('listening', () => {
  const { port } = server.address() as AddressInfo
  // The token stays out of this line: it goes to logs. Whoever started the console knows it.
  say(`listening on http://${config.host}:${port}/ (reading ${source.info(0).description})`)
  if (!['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
    say(`WARNING: ${config.host} is not loopback: whoever reaches it with the token sees every tenant's data`)
  }
})

const stop = () => {
  history?.stop()
  rmSync(pageDir, { recursive: true, force: true })
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// Started by the demo (src/process.ts): stop with it, even if it dies without a word.
if (process.env.CONSOLE_EXIT_WITH_PARENT === 'true') {
  process.stdin.on('close', stop)
  process.stdin.resume()
}
