/**
 * A real, throwaway PostgreSQL (Debian's binaries) for the tests, which take it away under a
 * running API and bring it back. No PostgreSQL installed: the tests fail saying how to get it,
 * they never skip.
 */
export { freePort, type PostgresServer, startPostgres } from '../../../scripts/lib/postgres.ts'
