/**
 * npm run trace -- --feature report_export [--plan PLAN] [--tenant ID] [--since 60] [--limit 10]
 *                  [--prometheus URL] [--jaeger URL]
 *
 * "The export feature is slow": lists the slowest recent calls of a feature (tenant, plan,
 * duration, trace id, from Prometheus's latency exemplars) and prints the span tree of the slowest
 * trace Jaeger holds. Defaults: the local stack's Prometheus and Jaeger. Exit status 0 with a
 * trace, 1 when there are no exemplars or none of their traces is in Jaeger, 2 on bad usage or
 * when Prometheus or Jaeger cannot be reached.
 */
import { parseArgs } from 'node:util'
import { formatTraceReport, SourceError, traceReport } from '@feature-analytics/insights'
import { isPlan, PLANS } from '@feature-analytics/schema'
import { JAEGER_URL, PROMETHEUS_URL } from './stack/components.ts'

const HELP = `Usage: npm run trace -- --feature NAME [--plan PLAN] [--tenant ID] [--since MINUTES] [--limit N]
                        [--prometheus URL] [--jaeger URL]

  --feature NAME     the feature people say is slow, e.g. report_export (required)
  --plan PLAN        only calls on this plan, one of ${PLANS.join(', ')} (the report names a feature and a plan)
  --tenant ID        only this tenant's calls
  --since MINUTES    how far back to look                      (default 60)
  --limit N          how many of the slowest calls to list     (default 10)
  --prometheus URL   Prometheus with exemplar storage          (default ${PROMETHEUS_URL})
  --jaeger URL       Jaeger's query API                        (default ${JAEGER_URL})`

class UsageError extends Error {}

function positive(name: string, value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${value}`)
  return n
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      feature: { type: 'string' },
      plan: { type: 'string' },
      tenant: { type: 'string' },
      since: { type: 'string', default: '60' },
      limit: { type: 'string', default: '10' },
      prometheus: { type: 'string', default: PROMETHEUS_URL },
      jaeger: { type: 'string', default: JAEGER_URL },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  if (!values.feature) throw new UsageError('--feature is required, e.g. --feature report_export')
  if (values.plan !== undefined && !isPlan(values.plan))
    throw new UsageError(`--plan must be one of ${PLANS.join(', ')}, got ${values.plan}`)
  const report = await traceReport({
    prometheusUrl: values.prometheus,
    jaegerUrl: values.jaeger,
    feature: values.feature,
    plan: values.plan,
    tenant: values.tenant,
    sinceMs: positive('since', values.since) * 60_000,
    limit: Math.floor(positive('limit', values.limit)),
  })
  console.log(formatTraceReport(report))
  return report.trace === undefined ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`trace: ${(error as Error).message}\n\n${HELP}`)
    } else if (error instanceof SourceError) {
      console.error(`trace: cannot read ${error.message}`)
    } else {
      console.error(error)
    }
    process.exitCode = 2
  },
)
