/**
 * Proves the pipeline end to end with the real OpenTelemetry JS SDK, independent of the API: a
 * counter with a known total goes SDK -> Collector -> Prometheus, carrying the attributes the
 * Collector must scrub (user.id, an e-mail key, an e-mail value). It passes only when Prometheus
 * holds exactly that total and none of the personal data.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { instantQuery } from '@feature-analytics/insights'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'

export interface ProbeResult {
  run: string
  expected: number
  got: number | undefined
  leakedLabels: string[]
  redacted: boolean
}

export interface ProbeOptions {
  collectorUrl: string
  prometheusUrl: string
  timeoutMs?: number
}

const INCREMENTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

export async function probePipeline({
  collectorUrl,
  prometheusUrl,
  timeoutMs = 30_000,
}: ProbeOptions): Promise<ProbeResult> {
  const run = randomUUID()
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${collectorUrl}/v1/metrics` }),
    exportIntervalMillis: 60_000,
  })
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'stack-probe',
      'service.instance.id': `probe-${run}`,
    }),
    readers: [reader],
  })
  const counter = provider.getMeter('stack-probe').createCounter('stack.probe', { unit: '1' })
  for (const n of INCREMENTS) {
    counter.add(n, {
      'probe.run': run,
      'user.id': 'user-42',
      'user.email': 'jane@example.com',
      contact: 'jane@example.com',
    })
  }
  await provider.forceFlush()
  await provider.shutdown()

  const expected = INCREMENTS.reduce((a, b) => a + b, 0)
  const deadline = Date.now() + timeoutMs
  let sample: Awaited<ReturnType<typeof instantQuery>>[number] | undefined
  while (Date.now() < deadline) {
    ;[sample] = await instantQuery(prometheusUrl, `stack_probe_total{probe_run="${run}"}`)
    if (sample?.value === expected) break
    await sleep(500)
  }
  const labels = sample?.labels ?? {}
  return {
    run,
    expected,
    got: sample?.value,
    leakedLabels: Object.keys(labels).filter((key) => /user_id|e_?mail/i.test(key)),
    redacted: labels.contact === 'redacted_email',
  }
}

export const probePassed = (result: ProbeResult): boolean =>
  result.got === result.expected && result.leakedLabels.length === 0 && result.redacted
