/**
 * The embedded engine: PGlite, PostgreSQL compiled to WebAssembly, in this process. It runs the
 * same migrations and the same SQL as PostgreSQL, with no server to install or start, so the demo
 * keeps zero setup. In memory unless given a directory.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite'
import type { SqlEngine, SqlSession } from './engine.ts'

const sessionOf = (db: PGlite | Transaction): SqlSession => ({
  async query<Row>(sql: string, params: unknown[] = []) {
    return (await db.query<Row>(sql, params)).rows
  },
  async exec(sql: string) {
    await db.exec(sql)
  },
})

export const openEmbedded = async (dataDir?: string): Promise<SqlEngine> => {
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create()
  return {
    kind: 'embedded',
    ...sessionOf(db),
    transaction: (work) => db.transaction((tx) => work(sessionOf(tx))),
    close: () => db.close(),
  }
}
