/**
 * Which database holds tenants, users, sessions and records: PostgreSQL when DATABASE_URL is set
 * (every replica on the same URL shares them), else the embedded engine in this process. Either
 * way the migrations run before the first request, and a database that cannot be reached stops the
 * start with a clear error instead of failing requests later.
 */
import { openEmbedded } from './sql/embedded.ts'
import type { SqlEngine } from './sql/engine.ts'
import { migrate } from './sql/migrate.ts'
import { openPostgres } from './sql/postgres.ts'
import { SqlStore } from './sql/store.ts'

export type { Store } from './types.ts'

export interface OpenStoreOptions {
  databaseUrl?: string | undefined
  /** Where the embedded engine keeps its files; in memory when unset. */
  embeddedDir?: string | undefined
  onIdleError?: (error: Error) => void
}

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
}

export interface OpenedStore {
  store: SqlStore
  kind: SqlEngine['kind']
  /** Migration versions this start applied (empty when the schema was current). */
  applied: number[]
}

export const openStore = async (options: OpenStoreOptions): Promise<OpenedStore> => {
  const engine = options.databaseUrl
    ? openPostgres({
        url: options.databaseUrl,
        ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
      })
    : await openEmbedded(options.embeddedDir)
  try {
    const applied = await migrate(engine)
    return { store: new SqlStore(engine), kind: engine.kind, applied }
  } catch (error) {
    await engine.close().catch(() => {})
    // The URL is not echoed: it may hold a password.
    const reason = error instanceof Error ? error.message : String(error)
    const where = engine.kind === 'postgres' ? 'PostgreSQL at DATABASE_URL' : 'the embedded database'
    throw new DatabaseUnavailableError(`${where} could not be opened and migrated: ${reason}`, {
      cause: error,
    })
  }
}
