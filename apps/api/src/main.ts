/**
 * Process entry: configuration, telemetry, stores, the HTTP server, and graceful shutdown.
 * `node src/main.ts` (npm start). Everything else lives in createApp so tests can run it in-process.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TenantBudget } from '@feature-analytics/tracker/internal'
import { startTelemetry, TelemetryConfigError } from '@feature-analytics/tracker-node'
import packageJson from '../package.json' with { type: 'json' }
import { openAdoptionStore } from './adoption.ts'
import { createApp } from './app.ts'
import { openLimiterRedis } from './auth/throttle.ts'
import { FEATURE_NAMES } from './catalog.ts'
import { answerClientErrors } from './client-errors.ts'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import type { Readiness } from './routes/health.ts'
import { installShutdown } from './shutdown.ts'
import { openStore } from './store/open.ts'
import { seedDemoAccounts } from './store/seed.ts'

const config = (() => {
  try {
    return loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`saas-api: ${error.message}\n`)
    process.exit(1)
  }
})()

const logger = createLogger({
  level: config.logLevel,
  serviceName: config.serviceName,
  serviceInstanceId: config.serviceInstanceId,
})

const fail = (message: string, error: unknown): never => {
  logger.fatal({ err: error }, message)
  process.exit(1)
}

const startTelemetryOrExit: typeof startTelemetry = (options) => {
  try {
    return startTelemetry(options)
  } catch (error) {
    // A bad OTEL_* variable (an unknown OTEL_TRACES_SAMPLER, say): the same clear exit as ConfigError.
    if (!(error instanceof TelemetryConfigError)) throw error
    process.stderr.write(`saas-api: invalid configuration: ${error.message}\n`)
    process.exit(1)
  }
}

const telemetry = startTelemetryOrExit({
  serviceName: config.serviceName,
  serviceVersion: packageJson.version,
  ...(config.serviceInstanceId ? { serviceInstanceId: config.serviceInstanceId } : {}),
  ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
  ...(config.metricsPort ? { prometheusPort: config.metricsPort, prometheusHost: config.host } : {}),
  // The one tenant budget: createApp gives the aggregator's to the tracker.
  aggregator: {
    features: FEATURE_NAMES,
    tenantBudget: new TenantBudget(config.maxTenants, { idleMillis: config.tenantIdleMs }),
  },
  // main.ts owns the signals: the server has to drain before the last metrics flush.
  shutdownSignals: false,
  shutdownTimeoutMillis: config.shutdownTimeoutMs,
})
await telemetry.ready.catch((error: unknown) =>
  fail(`metrics endpoint could not listen on port ${config.metricsPort}`, error),
)

const adoption = await openAdoptionStore(config.redisUrl, logger).catch((error: unknown) =>
  fail('cannot open the Redis adoption store (REDIS_URL)', error),
)
const limiterRedis = config.redisUrl ? openLimiterRedis(config.redisUrl, logger) : undefined
const { store, kind: storeKind } = await openStore({
  databaseUrl: config.databaseUrl,
  embeddedDir: config.embeddedDbDir,
  onIdleError: (error) => logger.warn({ err: error }, 'database connection lost while idle'),
}).catch((error: unknown) => fail('cannot open the database', error))
if (config.seedDemo) {
  await seedDemoAccounts(store, config.demoPassword).catch((error: unknown) =>
    fail('cannot seed the demo accounts', error),
  )
}

const readiness: Readiness = { shuttingDown: false }
const app = createApp({
  aggregation: telemetry.aggregator,
  store,
  adoptionStore: adoption.store,
  activeUsers: adoption.activeUsers,
  logger,
  readiness,
  limiterRedis,
  options: {
    webDist: config.webDist,
    cookieSecure: config.cookieSecure,
    trustProxyHops: config.trustProxyHops,
    allowedOrigins: config.allowedOrigins,
    authLimits: config.authLimits,
    sessionTtlMs: config.sessionTtlMs,
    ingest: config.ingest,
  },
})

const server: Server = app.listen(config.port, config.host)
answerClientErrors(server)
await new Promise<void>((resolve) => {
  server.once('listening', resolve)
  server.once('error', (error) => fail(`cannot listen on ${config.host}:${config.port}`, error))
})
const { port } = server.address() as AddressInfo
logger.info(
  {
    url: `http://${config.host}:${port}`,
    metrics: telemetry.prometheusUrl ?? 'off',
    otlp: config.otlpEndpoint ? 'on' : 'off',
    store: storeKind,
    traceSampling: telemetry.sampling,
    adoptionStore: adoption.kind,
    demoAccounts: config.seedDemo,
  },
  'listening',
)

installShutdown({
  server,
  readiness,
  logger,
  timeoutMs: config.shutdownTimeoutMs,
  closers: [
    (remainingMs) => adoption.settle(remainingMs / 2),
    () => telemetry.shutdown(),
    () => adoption.close(),
    async () => void (await limiterRedis?.quit()),
    () => store.close(),
  ],
})
