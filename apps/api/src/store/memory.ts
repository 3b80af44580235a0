/**
 * The default store: plain Maps in one process. Each method finishes synchronously inside its
 * promise, so check-then-insert (e-mail uniqueness) is atomic without locks.
 */
import {
  EmailTakenError,
  type RecordKind,
  type Session,
  type Store,
  type Tenant,
  type TenantRecords,
  type User,
} from './types.ts'

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
    if (!tenant) throw new Error(`unknown tenant ${id}`)
    const updated = { ...tenant, ...patch }
    this.#tenants.set(id, updated)
    return { ...updated }
  }

  async createUser(user: User): Promise<void> {
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

  async put<K extends RecordKind>(kind: K, record: TenantRecords[K]): Promise<TenantRecords[K]> {
    this.#bucket(kind, record.tenantId).set(record.id, structuredClone(record))
    return record
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
