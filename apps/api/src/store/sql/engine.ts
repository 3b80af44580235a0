/**
 * The few things the SQL store needs from a database: parameterised queries, multi-statement
 * scripts (migrations) and transactions. PostgreSQL (node-postgres) and the embedded engine
 * (PGlite) both provide them, so one store and one set of migrations run on either.
 */

export interface SqlSession {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>
  /** Several statements, no parameters. */
  exec(sql: string): Promise<void>
}

export interface SqlEngine extends SqlSession {
  readonly kind: 'postgres' | 'embedded'
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** The fields of a server error both clients expose (node-postgres and PGlite share pg-protocol's). */
export interface ServerError {
  /** SQLSTATE, five characters. */
  code: string
  constraint?: string
}

export const isServerError = (error: unknown): error is ServerError => {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
} as const
