/**
 * The Store on SQL: PostgreSQL or the embedded engine, same statements. Constraints do the checking
 * (e-mail uniqueness, references, RECORD_RULES) inside the database, so two replicas racing on the
 * same row get one success and one typed error, never a duplicate; this file translates those
 * errors into the store's own.
 */
import type { RecordKind, Session, Store, Tenant, TenantRecords, User } from '../types.ts'
import { DuplicateRecordError, EmailTakenError, MissingReferenceError, RECORD_RULES } from '../types.ts'
import { isServerError, SQLSTATE, type SqlEngine, type SqlSession } from './engine.ts'

interface TenantRow {
  id: string
  name: string
  plan: Tenant['plan']
  status: Tenant['status']
  created_at: Date
  renewed_at: Date | null
  cancelled_at: Date | null
}
interface UserRow {
  id: string
  tenant_id: string
  name: string
  email: string
  role: User['role']
  password_hash: string
  created_at: Date
}

const iso = (value: Date | string): string => new Date(value).toISOString()

const tenantOf = (row: TenantRow): Tenant => ({
  id: row.id,
  name: row.name,
  plan: row.plan,
  status: row.status,
  createdAt: iso(row.created_at),
  ...(row.renewed_at ? { renewedAt: iso(row.renewed_at) } : {}),
  ...(row.cancelled_at ? { cancelledAt: iso(row.cancelled_at) } : {}),
})

const userOf = (row: UserRow): User => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  email: row.email,
  role: row.role,
  passwordHash: row.password_hash,
  createdAt: iso(row.created_at),
})

/** The tenant columns a patch may set, in the order updateTenant writes them. */
const TENANT_COLUMNS = {
  name: 'name',
  plan: 'plan',
  status: 'status',
  renewedAt: 'renewed_at',
  cancelledAt: 'cancelled_at',
} as const satisfies Record<keyof Omit<Tenant, 'id' | 'createdAt'>, string>

const violated = (error: unknown, code: string, constraint?: string): boolean =>
  isServerError(error) && error.code === code && (constraint === undefined || error.constraint === constraint)

const insertUser = (db: SqlSession, user: User) =>
  db.query(
    `INSERT INTO users (id, tenant_id, name, email, role, password_hash, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)`,
    [user.id, user.tenantId, user.name, user.email, user.role, user.passwordHash, user.createdAt],
  )

const userErrors = (error: unknown): unknown => {
  if (violated(error, SQLSTATE.uniqueViolation, 'users_email_key')) return new EmailTakenError()
  if (violated(error, SQLSTATE.foreignKeyViolation)) return new MissingReferenceError('tenant')
  return error
}

export class SqlStore implements Store {
  readonly engine: SqlEngine

  constructor(engine: SqlEngine) {
    this.engine = engine
  }

  async createTenantWithOwner(tenant: Tenant, owner: User): Promise<void> {
    try {
      await this.engine.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO tenants (id, name, plan, status, created_at) VALUES ($1, $2, $3, $4, $5::timestamptz)`,
          [tenant.id, tenant.name, tenant.plan, tenant.status, tenant.createdAt],
        )
        await insertUser(tx, owner)
      })
    } catch (error) {
      throw userErrors(error)
    }
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const [row] = await this.engine.query<TenantRow>('SELECT * FROM tenants WHERE id = $1', [id])
    return row && tenantOf(row)
  }

  async updateTenant(id: string, patch: Partial<Omit<Tenant, 'id' | 'createdAt'>>): Promise<Tenant> {
    const sets: string[] = []
    const params: unknown[] = [id]
    for (const [field, column] of Object.entries(TENANT_COLUMNS)) {
      const value = patch[field as keyof typeof TENANT_COLUMNS]
      if (value === undefined) continue
      params.push(value)
      sets.push(`${column} = $${params.length}`)
    }
    const [row] = sets.length
      ? await this.engine.query<TenantRow>(
          `UPDATE tenants SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
          params,
        )
      : await this.engine.query<TenantRow>('SELECT * FROM tenants WHERE id = $1', params)
    if (!row) throw new MissingReferenceError('tenant')
    return tenantOf(row)
  }

  async createUser(user: User): Promise<void> {
    try {
      await insertUser(this.engine, user)
    } catch (error) {
      throw userErrors(error)
    }
  }

  async getUser(id: string): Promise<User | undefined> {
    const [row] = await this.engine.query<UserRow>('SELECT * FROM users WHERE id = $1', [id])
    return row && userOf(row)
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const [row] = await this.engine.query<UserRow>('SELECT * FROM users WHERE email = $1', [email])
    return row && userOf(row)
  }

  async createSession(session: Session): Promise<void> {
    try {
      await this.engine.query(
        'INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, to_timestamp($3::double precision / 1000))',
        [session.tokenHash, session.userId, session.expiresAt],
      )
    } catch (error) {
      throw violated(error, SQLSTATE.foreignKeyViolation) ? new MissingReferenceError('user') : error
    }
  }

  async findSession(tokenHash: string, now: number): Promise<Session | undefined> {
    const [row] = await this.engine.query<{ user_id: string; expires_ms: string | number }>(
      `SELECT user_id, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms
       FROM sessions WHERE token_hash = $1`,
      [tokenHash],
    )
    if (!row) return undefined
    const expiresAt = Number(row.expires_ms)
    if (expiresAt <= now) {
      await this.deleteSession(tokenHash)
      return undefined
    }
    return { tokenHash, userId: row.user_id, expiresAt }
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.engine.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash])
  }

  async put<K extends RecordKind>(kind: K, record: TenantRecords[K]): Promise<TenantRecords[K]> {
    const rules = RECORD_RULES[kind]
    const fields = record as unknown as Record<string, unknown>
    const parentId = rules?.parent ? String(fields[rules.parent.field]) : null
    // JSON of the values: unambiguous for any field contents, unlike a joined string.
    const uniqueKey = rules?.uniqueBy ? JSON.stringify(rules.uniqueBy.map((field) => fields[field])) : null
    try {
      await this.engine.query(
        `INSERT INTO records (tenant_id, kind, id, parent_kind, parent_id, unique_key, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
         ON CONFLICT (tenant_id, kind, id) DO UPDATE
         SET parent_kind = excluded.parent_kind, parent_id = excluded.parent_id,
             unique_key = excluded.unique_key, data = excluded.data`,
        [
          record.tenantId,
          kind,
          record.id,
          rules?.parent?.kind ?? null,
          parentId,
          uniqueKey,
          JSON.stringify(record),
        ],
      )
    } catch (error) {
      if (violated(error, SQLSTATE.uniqueViolation, 'records_unique_key')) {
        throw new DuplicateRecordError(kind, rules?.uniqueBy ?? [])
      }
      if (violated(error, SQLSTATE.foreignKeyViolation, 'records_parent_fkey')) {
        throw new MissingReferenceError(rules?.parent?.kind ?? 'record')
      }
      if (violated(error, SQLSTATE.foreignKeyViolation)) throw new MissingReferenceError('tenant')
      throw error
    }
    return record
  }

  async get<K extends RecordKind>(
    kind: K,
    tenantId: string,
    id: string,
  ): Promise<TenantRecords[K] | undefined> {
    const [row] = await this.engine.query<{ data: TenantRecords[K] }>(
      'SELECT data FROM records WHERE tenant_id = $1 AND kind = $2 AND id = $3',
      [tenantId, kind, id],
    )
    return row?.data
  }

  async list<K extends RecordKind>(kind: K, tenantId: string): Promise<TenantRecords[K][]> {
    const rows = await this.engine.query<{ data: TenantRecords[K] }>(
      'SELECT data FROM records WHERE tenant_id = $1 AND kind = $2 ORDER BY seq',
      [tenantId, kind],
    )
    return rows.map((row) => row.data)
  }

  close(): Promise<void> {
    return this.engine.close()
  }
}
