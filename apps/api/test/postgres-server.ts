/**
 * A real, throwaway PostgreSQL (Debian's binaries) for the tests, which take it away under a
 * running API and bring it back. No PostgreSQL installed: the tests fail saying how to get it,
 * they never skip.
 */
import { afterAll, beforeAll } from 'vitest'
import { type PostgresServer, startPostgres } from '../../../scripts/lib/postgres.ts'

export { freePort, type PostgresServer } from '../../../scripts/lib/postgres.ts'

/** One server for the calling test file, started before its tests and removed after them. */
export const usePostgres = (): (() => PostgresServer) => {
  let server: PostgresServer | undefined
  beforeAll(async () => {
    server = await startPostgres()
  }, 60_000)
  afterAll(async () => {
    await server?.destroy()
  })
  return () => {
    if (!server) throw new Error('PostgreSQL is not started yet (call it inside a test)')
    return server
  }
}
