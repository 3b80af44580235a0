/**
 * Versioned migrations: `migrations/NNNN_name.sql`, applied in order at startup, each once, recorded
 * in schema_migrations. All of them run in one transaction under an advisory lock, so two replicas
 * starting together apply them once, and a failing file leaves the schema as it was.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SqlEngine } from './engine.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url))

// Any constant both replicas agree on; it only names the lock.
const MIGRATION_LOCK = 726_013

export interface Migration {
  version: number
  name: string
  sql: string
}

export const readMigrations = (dir = MIGRATIONS_DIR): Migration[] =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)_([\w-]+)\.sql$/.exec(file)
      if (!match) throw new Error(`migration file ${file} is not named NNNN_name.sql`)
      return {
        version: Number(match[1]),
        name: match[2] as string,
        sql: readFileSync(join(dir, file), 'utf8'),
      }
    })
    .sort((a, b) => a.version - b.version)

/** Applies what is missing; returns the versions it applied. */
export const migrate = async (engine: SqlEngine, migrations = readMigrations()): Promise<number[]> =>
  engine.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations')
    const applied = new Set(rows.map((row) => row.version))
    const done: number[] = []
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ])
      done.push(migration.version)
    }
    return done
  })
