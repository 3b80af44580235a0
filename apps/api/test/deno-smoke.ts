/**
 * `npm run test:deno`: the API under Deno 2. Starts the app on an ephemeral port, signs up, calls
 * feature routes and the browser ingest over real HTTP, reads the resulting metrics through the real
 * SDK, and exits non-zero on any failure. Plain node:assert, so Deno needs no test runner of ours.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { ATTR, METRICS } from '@feature-analytics/schema'
import { snapshot, testReader } from '@feature-analytics/test-support/metrics'
import { FeatureAggregator } from '@feature-analytics/tracker-node'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { createApp } from '../src/app.ts'
import { FEATURE_NAMES } from '../src/catalog.ts'
import { click, clickMetric, exportRequest, timeSpentMetric } from './otlp.ts'

const runtime = (globalThis as { Deno?: { version: { deno: string } } }).Deno
const aggregator = new FeatureAggregator({ features: FEATURE_NAMES })
const reader = testReader([aggregator])
const meterProvider = new MeterProvider({ readers: [reader] })
const server = createApp({ aggregation: aggregator }).listen(0, '127.0.0.1')
await once(server, 'listening')
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const call = async (method: string, path: string, body?: unknown, token?: string) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

let exitCode = 0
try {
  assert.equal((await call('GET', '/healthz')).status, 200)
  const signup = await call('POST', '/api/signup', {
    company: 'Deno Co',
    name: 'Dee',
    email: 'dee@deno.example',
    password: 'deno password',
    plan: 'pro',
  })
  assert.equal(signup.status, 201, JSON.stringify(signup.body))
  const { token } = signup.body
  const tenantId: string = signup.body.tenant.id

  assert.equal((await call('POST', '/api/dashboards', { name: 'Deno board' }, token)).status, 201)
  assert.equal(
    (await call('POST', '/api/alerts', { name: 'Errors', metric: 'http.errors', threshold: 1 }, token))
      .status,
    201,
  )
  const search = await call('GET', '/api/search?q=deno', undefined, token)
  assert.equal(search.status, 200)
  assert.equal(search.body.total, 1)
  assert.equal(
    (await call('POST', '/api/sso', { provider: 'okta', domain: 'deno.example' }, token)).status,
    403,
  )
  assert.equal((await call('POST', '/api/dashboards', { name: '' }, token)).status, 400)

  const ingest = await call(
    'POST',
    '/v1/metrics',
    exportRequest(
      clickMetric([{ attributes: click('search', 'search-go'), asInt: 2 }]),
      timeSpentMetric('search', [3000]),
    ),
    token,
  )
  assert.equal(ingest.status, 200, JSON.stringify(ingest.body))
  assert.equal((await call('POST', '/v1/metrics', exportRequest())).status, 401)

  const metrics = await snapshot(reader)
  const usage = (feature: string, outcome: string) =>
    metrics.sum(METRICS.usage, {
      [ATTR.featureName]: feature,
      [ATTR.tenantId]: tenantId,
      [ATTR.outcome]: outcome,
    })
  assert.equal(usage('dashboard_create', 'success'), 1)
  assert.equal(usage('dashboard_create', 'error'), 1)
  assert.equal(usage('search', 'success'), 1)
  assert.equal(usage('sso_configure', 'success') + usage('sso_configure', 'error'), 0)
  assert.equal(metrics.sum(METRICS.click, { [ATTR.tenantId]: tenantId, [ATTR.userPlan]: 'pro' }), 2)
  assert.equal(metrics.count(METRICS.timeSpent, { [ATTR.featureName]: 'search', [ATTR.userPlan]: 'pro' }), 1)
  console.log(`deno smoke: ok on ${runtime ? `Deno ${runtime.version.deno}` : `Node ${process.version}`}`)
} catch (error) {
  console.error('deno smoke: FAILED', error)
  exitCode = 1
} finally {
  server.close()
  await meterProvider.shutdown()
}
process.exit(exitCode)
