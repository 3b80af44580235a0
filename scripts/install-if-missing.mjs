// Runs before `npm test` and `npm run demo` on whatever Node the machine has (plain JS, no type
// stripping needed): installs the workspace from the lock file when it is not installed yet, so a
// fresh clone needs nothing but these commands. After it, npm resolves `node` to the repo's pinned
// Node 24 (the `node` devDependency in node_modules/.bin).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const marker = new URL('../node_modules/.bin/node', import.meta.url)
if (!existsSync(marker)) {
  console.log('setup: installing the workspace (npm ci) ...')
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error('setup: npm ci failed; fix the error above and rerun')
    process.exit(result.status ?? 1)
  }
}
