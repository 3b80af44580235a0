/**
 * Plain Maps in one process, for tests and for embedding createApp without a database. Each method
 * finishes synchronously inside its promise, so check-then-insert (e-mail uniqueness, RECORD_RULES)
 * is atomic without locks. It enforces what the SQL schema enforces, so the store suite holds both
 * to the same behaviour.
 */
import type { RecordKind, Session, Store, Tenant, TenantRecords, User } from './types.ts'
import { DuplicateRecordError, EmailTakenError, MissingReferenceError, RECORD_RULES } from './types.ts'

export class InMemoryStore implements Store {
  readonly #tenants = new Map<string, Tenant>()
  readonly #users = new Map<string, User>()
  readonly #usersByEmail = new Map<string, string>()
  readonly #sessions = new Map<string, Session>()
  readonly #records = new Map<string, Map<string, unknown>>()

  async createTenantWithOwner(tenant: Tenant, owner: User): Promise<void> {
    if (this.#usersByEmail.has(owner.email)) throw new EmailTakenError()
    this.#tenants.set(tenant.id, { ...tenant })
    this.#insertUser(owner)
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const tenant = this.#tenants.get(id)
    return tenant && { ...tenant }
  }

  async updateTenant(id: string, patch: Partial<Omit<Tenant, 'id' | 'createdAt'>>): Promise<Tenant> {
    const tenant = this.#tenants.get(id)
    if (!tenant) throw new MissingReferenceError('tenant')
    const updated = { ...tenant, ...patch }
    this.#tenants.set(id, updated)
    return { ...updated }
  }

  async createUser(user: User): Promise<void> {
    if (!this.#tenants.has(user.tenantId)) throw new MissingReferenceError('tenant')
    if (this.#usersByEmail.has(user.email)) throw new EmailTakenError()
    this.#insertUser(user)
  }

  async getUser(id: string): Promise<User | undefined> {
    const user = this.#users.get(id)
    return user && { ...user }
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const id = this.#usersByEmail.get(email)
    return id === undefined ? undefined : this.getUser(id)
  }

  async createSession(session: Session): Promise<void> {
    if (!this.#users.has(session.userId)) throw new MissingReferenceError('user')
    this.#sessions.set(session.tokenHash, { ...session })
  }

  async findSession(tokenHash: string, now: number): Promise<Session | undefined> {
    const session = this.#sessions.get(tokenHash)
    if (session && session.expiresAt <= now) {
      this.#sessions.delete(tokenHash)
      return undefined
    }
    return session && { ...session }
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.#sessions.delete(tokenHash)
  }

  async get<K extends RecordKind>(
    kind: K,
    tenantId: string,
    id: string,
  ): Promise<TenantRecords[K] | undefined> {
    const record = this.#bucket(kind, tenantId).get(id) as TenantRecords[K] | undefined
    return record && structuredClone(record)
  }

  async list<K extends RecordKind>(kind: K, tenantId: string): Promise<TenantRecords[K][]> {
    return [...this.#bucket(kind, tenantId).values()].map(
      (record) => structuredClone(record) as TenantRecords[K],
    )
  }

  async put<K extends RecordKind>(kind: K, record: TenantRecords[K]): Promise<TenantRecords[K]> {
    if (!this.#tenants.has(record.tenantId)) throw new MissingReferenceError('tenant')
    const rules = RECORD_RULES[kind]
    const fields = record as unknown as Record<string, unknown>
    if (
      rules?.parent &&
      !this.#bucket(rules.parent.kind, record.tenantId).has(String(fields[rules.parent.field]))
    ) {
      throw new MissingReferenceError(rules.parent.kind)
    }
    const uniqueBy = rules?.uniqueBy
    if (uniqueBy) {
      for (const other of this.#bucket(kind, record.tenantId).values()) {
        const o = other as Record<string, unknown>
        if (o.id !== record.id && uniqueBy.every((field) => o[field] === fields[field])) {
          throw new DuplicateRecordError(kind, uniqueBy)
        }
      }
    }
    this.#bucket(kind, record.tenantId).set(record.id, structuredClone(record))
    return record
  }

  async close(): Promise<void> {}

  #insertUser(user: User): void {
    this.#users.set(user.id, { ...user })
    this.#usersByEmail.set(user.email, user.id)
  }

  #bucket(kind: RecordKind, tenantId: string): Map<string, unknown> {
    const key = `${kind}\u0000${tenantId}`
    let bucket = this.#records.get(key)
    if (!bucket) {
      bucket = new Map()
      this.#records.set(key, bucket)
    }
    return bucket
  }
}
