/**
 * The local stack without Docker: PostgreSQL, Redis, Prometheus, Jaeger, our Collector and two API
 * replicas on 127.0.0.1, in the background, with logs and pids in .stack/. With --scale, the
 * scaled-out topology instead (stack/scale.ts): an agent Collector per replica, two gateway
 * Collectors, and Thanos (two receive nodes, a router, a query) in place of Prometheus.
 *
 *   node scripts/stack.ts up [--scale] [--keep-data] [--collector-debug] [--no-provision]
 *   node scripts/stack.ts down
 *   node scripts/stack.ts start|stop|kill <component>
 *   node scripts/stack.ts status
 *   node scripts/stack.ts probe     a known counter through the Collector(s) to the store, PII scrubbed
 */
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { metricsQueryUrl, pipelineOtlpUrl } from './stack/components.ts'
import {
  down,
  find,
  lastTopology,
  StackError,
  startComponent,
  status,
  stopComponent,
  up,
} from './stack/control.ts'
import { PROVISION } from './stack/paths.ts'
import { probePassed, probePipeline } from './stack/probe.ts'
import { kill } from './stack/process.ts'

const USAGE = `usage: node scripts/stack.ts up [--scale] [--keep-data] [--collector-debug] [--no-provision]
       node scripts/stack.ts down | status | probe
       node scripts/stack.ts start|stop|kill <component>   (postgres, redis, prometheus, jaeger, collector, api-1, api-2, console;
                                                            with --scale: agent-1, agent-2, gateway-1, gateway-2,
                                                            thanos-receive-1, thanos-receive-2, thanos-router, thanos-query)`

function provision(): void {
  execFileSync(PROVISION, { stdio: 'inherit' })
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'keep-data': { type: 'boolean', default: false },
      'collector-debug': { type: 'boolean', default: false },
      'no-provision': { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
    },
  })
  const [command, name] = positionals
  // Every command but `up` refers to the topology `up` last started.
  const topology = command === 'up' ? { scale: values.scale } : lastTopology()
  switch (command) {
    case 'up':
      if (!values['no-provision']) provision()
      return up({
        keepData: values['keep-data'],
        collectorDebug: values['collector-debug'],
        buildWeb: true,
        scale: values.scale,
      })
    case 'down':
      return down()
    case 'status':
      for (const { name, pid } of status())
        console.log(`${name.padEnd(10)} ${pid ? `running (pid ${pid})` : 'stopped'}`)
      return
    case 'start':
      return startComponent(find(name ?? '', { ...topology, collectorDebug: values['collector-debug'] }))
    case 'stop':
      return stopComponent(find(name ?? '').name)
    case 'kill': {
      const killed = await kill(find(name ?? '').name)
      console.log(`stack: ${name} ${killed ? 'killed (SIGKILL)' : 'not running'}`)
      return
    }
    case 'probe': {
      const result = await probePipeline({
        collectorUrl: pipelineOtlpUrl(topology),
        prometheusUrl: metricsQueryUrl(topology),
      })
      console.log(`stack: probe ${JSON.stringify(result)}`)
      if (!probePassed(result))
        throw new StackError('probe failed: the pipeline lost, changed or leaked data')
      return
    }
    default:
      throw new StackError(USAGE)
  }
}

try {
  await main(process.argv.slice(2))
} catch (error) {
  console.error(
    error instanceof StackError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? `stack: ${(error as Error).message}`
      : error,
  )
  process.exitCode = 1
}
