/** Where the stack lives on disk: binaries linked by scripts/provision, and .stack/ for runtime state. */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const STATE = join(ROOT, '.stack')
export const BIN = join(STATE, 'bin')
export const LOGS = join(STATE, 'logs')
export const PIDS = join(STATE, 'pids')
export const PROVISION = join(ROOT, 'scripts', 'provision')
