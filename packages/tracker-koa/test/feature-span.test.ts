/**
 * The `feature.<name>` span lasts exactly the recorded latency: a latency exemplar names this span,
 * and a trace must show the duration the histogram counted, even when the process is held up
 * between stopping the timer and ending the span (here: a user lookup that takes 30 ms).
 */
import type { AddressInfo } from 'node:net'
import { otel } from '@feature-analytics/test-support/metrics'
import { createFeatureTracker, type FeatureRecorder } from '@feature-analytics/tracker'
import Router from '@koa/router'
import { hrTimeToMilliseconds } from '@opentelemetry/core'
import Koa from 'koa'
import { afterEach, expect, it } from 'vitest'
import { featureTracking, type TrackedUser } from '../src/index.ts'

const env = otel()
afterEach(() => env.spans.reset())

it('gives the feature span the timer start and end, whatever happens in between', async () => {
  const latencies: number[] = []
  // A recorder that keeps the latency values as the tracker hands them over.
  const recorder: FeatureRecorder = {
    record: (instrument, _attributes, value) => {
      if (instrument === 'latency') latencies.push(value)
    },
    observe: () => {},
  }
  const tracker = createFeatureTracker({ catalog: { search: { category: 'discovery' } }, recorder })
  let lookups = 0
  const user: TrackedUser = { userId: 'u-1', tenantId: 'acme', plan: 'pro' }
  const trackFeature = featureTracking(tracker, {
    childSpan: true,
    tracer: env.tracer,
    // Unknown before the handler; found after it, slowly (a session store that blocks for 30 ms).
    resolveUser: () => {
      if (lookups++ === 0) return undefined
      const until = performance.now() + 30
      while (performance.now() < until);
      return user
    },
  })
  const router = new Router()
  router.get('/api/search', trackFeature('search'), (ctx) => {
    ctx.body = { results: [] }
  })
  const app = new Koa().use(router.routes())
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  try {
    const { port } = server.address() as AddressInfo
    expect((await fetch(`http://127.0.0.1:${port}/api/search`)).status).toBe(200)
  } finally {
    server.close()
  }
  const [span] = env.spans.getFinishedSpans().filter((s) => s.name === 'feature.search')
  expect(latencies).toHaveLength(1)
  const recorded = latencies[0] as number
  expect(recorded).toBeLessThan(25) // the handler is quick; the 30 ms lookup came after the timer
  expect(Math.abs(hrTimeToMilliseconds(span?.duration ?? [0, 0]) - recorded)).toBeLessThan(0.01)
})
