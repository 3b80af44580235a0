/**
 * `npm test`: everything CI runs, in order, on real components. Each step is a child process; the
 * run stops at the first failure so the failing output is the last thing on screen. Nothing here is
 * skipped quietly: a step that cannot run fails.
 */
import { spawnSync } from 'node:child_process'

interface Step {
  name: string
  command: string
  args: string[]
}

const npm = (...args: string[]): Step => ({ name: args.join(' '), command: 'npm', args: ['run', ...args] })

const steps: Step[] = [
  { name: 'provision', command: 'bash', args: ['scripts/provision'] },
  npm('lint'),
  { name: 'typecheck scripts', command: 'npx', args: ['tsc', '-p', 'scripts', '--noEmit'] },
  {
    name: 'typecheck + unit/integration tests',
    command: 'npx',
    args: ['turbo', 'run', 'typecheck', 'test', '--concurrency=2'],
  },
  npm('test:deno'),
  npm('test:scripts'),
  npm('stack:check'),
  npm('k8s:check', '--', '--no-provision'),
  npm('e2e'),
  npm('e2e', '--', '--kill-collector', '20'),
  npm('e2e', '--', '--kill-api', '20'),
  npm('e2e', '--', '--restart-prometheus', '10'),
  npm('e2e', '--', '--restart-api', '5'),
  // The scaled-out topology (agents, gateways, Thanos): plain, a gateway SIGKILLed and restarted,
  // a store node SIGKILLed for good. About 2 to 3 minutes each here (RELIABILITY.md).
  npm('e2e', '--', '--scale'),
  npm('e2e', '--', '--scale', '--kill-gateway', '20'),
  npm('e2e', '--', '--scale', '--kill-store'),
]

const only = process.argv.slice(2)
const selected = only.length ? steps.filter((s) => only.some((o) => s.name.includes(o))) : steps
let passed = 0
let failed = 0
const started = Date.now()
for (const step of selected) {
  const t0 = Date.now()
  console.log(`\n=== ${step.name}`)
  const result = spawnSync(step.command, step.args, { stdio: 'inherit', env: process.env })
  const seconds = ((Date.now() - t0) / 1000).toFixed(1)
  if (result.status === 0) {
    passed++
    console.log(`=== ${step.name}: ok (${seconds}s)`)
  } else {
    failed++
    console.log(`=== ${step.name}: FAILED (exit ${result.status ?? result.signal}, ${seconds}s)`)
    break
  }
}
console.log(`\nnpm test took ${((Date.now() - started) / 1000).toFixed(0)}s`)
console.log(`steps: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed === selected.length ? 0 : 1)
