/**
 * npm run stack:check: validates the stack's configuration with the real tools, provisioning them
 * first (fast when they are cached). Runs every check, then fails if any failed; the last line
 * is `stack-check: N passed, M failed`.
 * Usage: node scripts/stack-check.ts [--no-provision]
 */
import { execFileSync } from 'node:child_process'
import { checks } from './stack/checks.ts'
import { PROVISION } from './stack/paths.ts'

if (!process.argv.includes('--no-provision')) execFileSync(PROVISION, { stdio: 'inherit' })

let passed = 0
let failed = 0
for (const check of checks()) {
  try {
    await check.run()
    passed++
    console.log(`stack-check: ok   ${check.name}`)
  } catch (error) {
    failed++
    console.log(`stack-check: FAIL ${check.name}\n${(error as Error).message.replace(/^/gm, '    ')}`)
  }
}
console.log(`stack-check: ${passed} passed, ${failed} failed`)
if (failed > 0 || passed === 0) process.exitCode = 1
