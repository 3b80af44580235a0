// The one way the repo starts a TypeScript entry point: `node scripts/run.mjs FILE.ts [args...]`.
//
// Plain JavaScript, so it runs on whatever Node found the script (a machine's Node 20 included).
// It installs the workspace from the lock file when the repo's pinned Node (the `node`
// devDependency) is not there yet, then starts FILE on that pinned Node by its absolute path.
// Why not `install && node FILE.ts` in package.json: the shell that runs an npm script looks
// `node` up once, before the install put node_modules/.bin/node in place, and reuses that answer,
// so FILE would run on the machine's old Node, which cannot strip TypeScript types.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const pinnedNode = join(root, 'node_modules', 'node', 'bin', 'node')
const [entry, ...args] = process.argv.slice(2)
if (!entry) {
  console.error('usage: node scripts/run.mjs FILE.ts [args...]')
  process.exit(2)
}

if (!existsSync(pinnedNode)) {
  console.log('setup: installing the workspace and its pinned Node (npm ci) ...')
  console.log(
    `setup: npm may warn "EBADENGINE" while this Node (${process.version}) installs: those packages run on the pinned Node 24`,
  )
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (install.status !== 0 || !existsSync(pinnedNode)) {
    console.error(
      `setup: npm ci failed (exit ${install.status ?? install.signal}); fix the error above and rerun`,
    )
    process.exit(install.status || 1)
  }
}

// Children that say `node`, `npx` or `npm` (turbo, vitest, the stack) find the pinned Node first.
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) }
const child = spawn(pinnedNode, [entry, ...args], { stdio: 'inherit', env })
// Ctrl-C reaches the child from the terminal by itself (same process group): only stay alive for
// it. A signal sent to this process alone (CI's timeout, `kill PID`) is passed on.
process.on('SIGINT', () => {})
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal)
  else process.exit(code ?? 1)
})
