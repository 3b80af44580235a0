/**
 * Debian's PostgreSQL server binaries, shared by the local stack and the tests that start a
 * throwaway server: where they are, who runs them (postgres refuses to run as root, so a root
 * caller hands the data directory and the process to the `postgres` system user), how a data
 * directory is made, and the flags that keep the server on loopback TCP only.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

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

export interface PostgresServer {
  port: number
  url(database?: string): string
  /** A fresh, empty database on this server; its URL. */
  createDatabase(): Promise<string>
  /** Fast shutdown (SIGINT): open connections are cut, as in a crash of the database host. */
  stop(): Promise<void>
  /** Starts again on the same port and data. */
  start(): Promise<void>
  destroy(): Promise<void>
}

let databases = 0

export const freePort = async (): Promise<number> => {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  probe.close()
  await once(probe, 'close')
  return port
}

/**
 * A real, throwaway PostgreSQL in a temporary directory on a free loopback port, with stop() and
 * start() so tests can take the database away and bring it back. `cpu`: pin it to that core
 * (taskset), as the benchmarks pin the serving side. `settings`: server settings; by default fsync
 * is off, because durability is not what the tests are about and they share a busy machine.
 */
export async function startPostgres(
  options: { cpu?: string; settings?: Record<string, string> } = {},
): Promise<PostgresServer> {
  const runAs = postgresRunAs()
  const root = mkdtempSync(join(tmpdir(), 'fa-postgres-'))
  chmodSync(root, 0o755)
  const dataDir = join(root, 'data')
  initDataDir(dataDir, runAs)
  const port = await freePort()
  let child: ChildProcess | undefined
  let log = ''

  const ready = async () => {
    const deadline = Date.now() + 20_000
    for (;;) {
      const client = new pg.Client({ connectionString: databaseUrl(port) })
      try {
        await client.connect()
        await client.query('SELECT 1')
        return
      } catch (error) {
        if (Date.now() > deadline || child?.exitCode != null) {
          throw new Error(`PostgreSQL did not start on port ${port}: ${error}\n${log}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      } finally {
        await client.end().catch(() => {})
      }
    }
  }

  const server: PostgresServer = {
    port,
    url: (database = 'postgres') => databaseUrl(port, database),
    async createDatabase() {
      databases += 1
      const name = `store_${process.pid}_${databases}`
      const client = new pg.Client({ connectionString: databaseUrl(port) })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${name}`)
      } finally {
        await client.end()
      }
      return databaseUrl(port, name)
    },
    async start() {
      const args = serverArgs(dataDir, port, options.settings ?? { fsync: 'off', full_page_writes: 'off' })
      const binary = join(postgresBinDir(), 'postgres')
      const [command, argv] = options.cpu ? ['taskset', ['-c', options.cpu, binary, ...args]] : [binary, args]
      child = spawn(command as string, argv as string[], {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(runAs ?? {}),
      })
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk
      })
      await ready()
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGINT')
      await exited
    },
    async destroy() {
      await server.stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
  await server.start()
  return server
}
