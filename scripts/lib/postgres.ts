/**
 * Debian's PostgreSQL server binaries, shared by the local stack and the tests that start a
 * throwaway server: where they are, who runs them (postgres refuses to run as root, so a root
 * caller hands the data directory and the process to the `postgres` system user), how a data
 * directory is made, and the flags that keep the server on loopback TCP only.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export class PostgresSetupError extends Error {
  override name = 'PostgresSetupError'
}

/** POSTGRES_BIN_DIR, else the newest /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(): string {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0) {
    throw new PostgresSetupError(
      `PostgreSQL server binaries not found under ${root}: install Debian's postgresql (apt-get install postgresql, or npm run provision) or set POSTGRES_BIN_DIR`,
    )
  }
  return join(root, versions[0] as string, 'bin')
}

export interface RunAs {
  uid: number
  gid: number
}

/** The `postgres` system user when we are root, else nobody to switch to (run as ourselves). */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    return { uid, gid }
  } catch {
    throw new PostgresSetupError(
      'running as root, and there is no `postgres` system user to run PostgreSQL as (Debian creates it with the postgresql package)',
    )
  }
}

/** Creates a cluster in `dataDir` (trust on loopback, UTF-8, C locale) unless one is there. */
export function initDataDir(dataDir: string, runAs = postgresRunAs()): void {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  if (runAs) chownSync(dataDir, runAs.uid, runAs.gid)
  execFileSync(
    join(postgresBinDir(), 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions'],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) },
  )
}

/** `postgres` arguments: TCP on 127.0.0.1 only, no Unix socket (no shared /run directory needed). */
export function serverArgs(dataDir: string, port: number, extra: Record<string, string> = {}): string[] {
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...extra }
  return [
    '-D',
    dataDir,
    '-p',
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ]
}

export const databaseUrl = (port: number, database = 'postgres'): string =>
  `postgres://postgres@127.0.0.1:${port}/${database}`
