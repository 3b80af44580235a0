/**
 * PostgreSQL through node-postgres's Pool. Every replica opens its own pool on the same database,
 * which is what lets them share tenants and sessions.
 */
import pg from 'pg'
import { StoreUnavailableError } from '../types.ts'
import { isServerError, type SqlEngine, type SqlSession } from './engine.ts'

export interface PostgresOptions {
  url: string
  /** Connections per replica. */
  maxConnections?: number
  /** How long a request waits for a connection before it is answered 503. */
  connectTimeoutMs?: number
  /** Errors of idle connections (the server went away between requests): logged, never thrown. */
  onIdleError?: (error: Error) => void
}

// SQLSTATE classes that mean "the server is not there for you right now", not "your query is wrong":
// 08 connection exception, 57P01-57P03 shutdown / cannot connect now, 53300 too many connections.
const UNAVAILABLE = /^(08...|57P0[1-3]|53300)$/

/**
 * Anything that is not an answer from the server (refused, reset, timed out, terminated), and the
 * server's own "going away" answers, become StoreUnavailableError; real query errors pass through.
 */
const unavailableOr = (error: unknown): unknown => {
  if (isServerError(error) && !UNAVAILABLE.test(error.code)) return error
  const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message
  return new StoreUnavailableError(String(reason || 'no connection'), { cause: error })
}

const sessionOf = (client: pg.Pool | pg.PoolClient): SqlSession => ({
  async query<Row>(sql: string, params: unknown[] = []) {
    try {
      return (await client.query(sql, params)).rows as Row[]
    } catch (error) {
      throw unavailableOr(error)
    }
  },
  async exec(sql: string) {
    try {
      await client.query(sql)
    } catch (error) {
      throw unavailableOr(error)
    }
  },
})

export const openPostgres = (options: PostgresOptions): SqlEngine => {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    idleTimeoutMillis: 30_000,
  })
  // Without a listener, an idle connection that the server drops would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error))
  return {
    kind: 'postgres',
    ...sessionOf(pool),
    async transaction(work) {
      let client: pg.PoolClient
      try {
        client = await pool.connect()
      } catch (error) {
        throw unavailableOr(error)
      }
      const tx = sessionOf(client)
      let broken = false
      try {
        await tx.exec('BEGIN')
        const result = await work(tx)
        await tx.exec('COMMIT')
        return result
      } catch (error) {
        broken = error instanceof StoreUnavailableError
        if (!broken) await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        // A connection that failed mid-transaction is discarded rather than handed to the next request.
        client.release(broken)
      }
    },
    close: () => pool.end(),
  }
}
