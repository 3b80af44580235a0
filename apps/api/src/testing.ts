/**
 * For tests (this app's and the web app's, as `@feature-analytics/api/testing`): starts the real app on an ephemeral loopback port with real telemetry (tracker-node's aggregator
 * read by a collecting MetricReader) and an in-memory store, and talks to it over real HTTP.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Plan } from '@feature-analytics/schema'
import { type MetricsSnapshot, snapshot, testReader } from '@feature-analytics/test-support/metrics'
import { FeatureAggregator, type FeatureAggregatorOptions } from '@feature-analytics/tracker-node'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { type AppDeps, type AppOptions, createApp } from './app.ts'
import { FEATURE_NAMES } from './catalog.ts'
import { answerClientErrors } from './client-errors.ts'
import { createLogger } from './logger.ts'
import type { Readiness } from './routes/health.ts'
import { InMemoryStore } from './store/memory.ts'
import { seedDemoAccounts } from './store/seed.ts'

/** The app's parts, for tests that wire it their own way (the simulator's serves /metrics on its port). */
export { createApp, FEATURE_NAMES }

export const DEMO_PASSWORD = 'demo-password'

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies field by field; asserting each shape would add nothing
export interface Reply<T = any> {
  status: number
  body: T
  headers: Headers
}

export interface RequestOptions {
  token?: string
  cookie?: string
  body?: unknown
  rawBody?: string | Blob
  headers?: Record<string, string>
}

export interface Account {
  token: string
  email: string
  password: string
  userId: string
  tenantId: string
  plan: Plan
}

export interface TestApi {
  url: string
  store: InMemoryStore
  readiness: Readiness
  /** Every log line the app wrote, as raw JSON text. */
  logs: string[]
  // biome-ignore lint/suspicious/noExplicitAny: see Reply
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<Reply<T>>
  signup(plan: Plan, overrides?: Partial<{ company: string; name: string; email: string }>): Promise<Account>
  metrics(): Promise<MetricsSnapshot>
  close(): Promise<void>
}

let sequence = 0

export const startApi = async (
  options: AppOptions = {},
  seedDemo = false,
  extra: {
    aggregation?: FeatureAggregatorOptions
    limiterRedis?: AppDeps['limiterRedis']
    store?: InMemoryStore
  } = {},
): Promise<TestApi> => {
  const aggregator = new FeatureAggregator({ features: FEATURE_NAMES, ...extra.aggregation })
  const reader = testReader([aggregator])
  const meterProvider = new MeterProvider({ readers: [reader] })
  const logs: string[] = []
  const logger = createLogger(
    { level: 'info', serviceName: 'saas-api-test' },
    { write: (line: string) => void logs.push(line) },
  )
  const store = extra.store ?? new InMemoryStore()
  if (seedDemo) await seedDemoAccounts(store, DEMO_PASSWORD)
  const readiness: Readiness = { shuttingDown: false }
  const app = createApp({
    limiterRedis: extra.limiterRedis,
    aggregation: aggregator,
    store,
    logger,
    readiness,
    options,
  })
  const server: Server = app.listen(0, '127.0.0.1')
  answerClientErrors(server)
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const request = async (method: string, path: string, options: RequestOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (options.cookie) {
      headers.cookie = options.cookie
      // What a browser, the only client that sends the cookie on its own, adds to every POST.
      headers.origin ??= url
    }
    let body: string | Blob | undefined = options.rawBody
    if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers['content-type'] ??= 'application/json'
    }
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {}
    return { status: response.status, body: parsed, headers: response.headers }
  }

  const api: TestApi = {
    url,
    store,
    readiness,
    logs,
    request,
    async signup(plan, overrides = {}) {
      sequence += 1
      const email = overrides.email ?? `owner-${sequence}-${plan}@tenant-${sequence}.example.com`
      const password = `correct horse ${sequence}`
      const reply = await request('POST', '/api/signup', {
        body: {
          company: overrides.company ?? `Tenant ${sequence}`,
          name: overrides.name ?? `Owner ${sequence}`,
          email,
          password,
          plan,
        },
      })
      if (reply.status !== 201)
        throw new Error(`signup failed: ${reply.status} ${JSON.stringify(reply.body)}`)
      return {
        token: reply.body.token,
        email,
        password,
        userId: reply.body.user.id,
        tenantId: reply.body.tenant.id,
        plan,
      }
    },
    metrics: () => snapshot(reader),
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      await meterProvider.shutdown()
    },
  }
  return api
}
