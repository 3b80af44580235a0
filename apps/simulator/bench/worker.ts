/**
 * The simulator side of bench:rate, run pinned to its own core: plays the bench scenario against
 * the API for at most --duration seconds and prints the run's figures as one JSON line.
 */
import { parseArgs } from 'node:util'
import { loadScenario } from '../src/scenario.ts'
import { simulate } from '../src/simulate.ts'

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    scenario: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    concurrency: { type: 'string' },
  },
})
const cpuBefore = process.cpuUsage()
const result = await simulate({
  targets: [values.target ?? ''],
  scenario: await loadScenario(values.scenario ?? ''),
  seed: 1,
  durationSeconds: Number(values.duration),
  rate: Number(values.rate),
  concurrency: Number(values.concurrency),
  onProgress: (line) => process.stderr.write(`  ${line}\n`),
})
process.stdout.write(
  `${JSON.stringify({
    requests: result.stats.requests,
    events: result.events,
    elapsedMs: result.elapsedMs,
    complete: result.complete,
    unexpected: result.stats.unexpected,
    cpuSeconds: ((cpu) => (cpu.user + cpu.system) / 1e6)(process.cpuUsage(cpuBefore)),
  })}\n`,
)
