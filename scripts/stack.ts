/**
 * The local stack without Docker: PostgreSQL, Redis, Prometheus, Jaeger, our Collector and two API
 * replicas on 127.0.0.1, in the background, with logs and pids in .stack/.
 *
 *   node scripts/stack.ts up [--keep-data] [--collector-debug] [--no-provision]
 *   node scripts/stack.ts down
 *   node scripts/stack.ts start|stop|kill <component>
 *   node scripts/stack.ts status
 *   node scripts/stack.ts probe     a known counter through Collector -> Prometheus, PII scrubbed
 */
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { COLLECTOR_OTLP_URL, PROMETHEUS_URL } from './stack/components.ts'
import { down, find, StackError, startComponent, status, stopComponent, up } from './stack/control.ts'
import { PROVISION } from './stack/paths.ts'
import { probePassed, probePipeline } from './stack/probe.ts'
import { kill } from './stack/process.ts'

const USAGE = `usage: node scripts/stack.ts up [--keep-data] [--collector-debug] [--no-provision]
       node scripts/stack.ts down | status | probe
       node scripts/stack.ts start|stop|kill <component>   (postgres, redis, prometheus, jaeger, collector, api-1, api-2, console)`

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
    },
  })
  const [command, name] = positionals
  switch (command) {
    case 'up':
      if (!values['no-provision']) provision()
      return up({ keepData: values['keep-data'], collectorDebug: values['collector-debug'], buildWeb: true })
    case 'down':
      return down()
    case 'status':
      for (const { name, pid } of status())
        console.log(`${name.padEnd(10)} ${pid ? `running (pid ${pid})` : 'stopped'}`)
      return
    case 'start':
      return startComponent(find(name ?? '', { collectorDebug: values['collector-debug'] }))
    case 'stop':
      return stopComponent(find(name ?? '').name)
    case 'kill': {
      const killed = await kill(find(name ?? '').name)
      console.log(`stack: ${name} ${killed ? 'killed (SIGKILL)' : 'not running'}`)
      return
    }
    case 'probe': {
      const result = await probePipeline({
        collectorUrl: COLLECTOR_OTLP_URL,
        prometheusUrl: PROMETHEUS_URL,
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
