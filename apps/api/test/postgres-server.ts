/**
 * A real, throwaway PostgreSQL (Debian's binaries) in a temporary directory on a free loopback
 * port, with stop() and start() so tests can take the database away under a running API and bring
 * it back. No PostgreSQL installed: the tests fail saying how to get it, they never skip.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import {
  databaseUrl,
  initDataDir,
  postgresBinDir,
  postgresRunAs,
  serverArgs,
} from '../../../scripts/lib/postgres.ts'

export const freePort = async (): Promise<number> => {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  probe.close()
  await once(probe, 'close')
  return port
}

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

export async function startPostgres(): Promise<PostgresServer> {
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
      // Durability is not under test here: skip fsync so the suite stays fast on a shared machine.
      const args = serverArgs(dataDir, port, { fsync: 'off', full_page_writes: 'off' })
      child = spawn(join(postgresBinDir(), 'postgres'), args, {
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
