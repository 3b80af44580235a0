/**
 * What the API keeps, behind an interface small enough to put a database under. Every tenant-owned
 * record carries its tenantId and every read is scoped by it, so one tenant can never address
 * another's data by guessing an id.
 */
import type { Plan } from '@feature-analytics/schema'

export type Role = 'owner' | 'member'
export type TenantStatus = 'active' | 'cancelled'

export interface Tenant {
  id: string
  name: string
  plan: Plan
  status: TenantStatus
  createdAt: string
  renewedAt?: string
  cancelledAt?: string
}

export interface User {
  id: string
  tenantId: string
  name: string
  /** Lower-cased; the login key. */
  email: string
  role: Role
  passwordHash: string
  createdAt: string
}

export interface Session {
  /** sha256 of the bearer token: a leaked store does not leak usable tokens. */
  tokenHash: string
  userId: string
  expiresAt: number
}

interface Owned {
  id: string
  tenantId: string
  createdAt: string
}

export interface Dashboard extends Owned {
  name: string
  createdBy: string
}
export interface DashboardShare extends Owned {
  dashboardId: string
  email: string
}
export interface Alert extends Owned {
  name: string
  metric: string
  threshold: number
}
export interface Integration extends Owned {
  provider: 'slack' | 'github' | 'jira' | 'salesforce'
  connectedAt: string
}
export interface Invite extends Owned {
  email: string
  role: 'member' | 'admin'
  tokenHash: string
  expiresAt: string
}
export interface ApiKey extends Owned {
  name: string
  /** The first characters, shown in listings so a user can tell keys apart. */
  prefix: string
  keyHash: string
}
export interface ImportRecord extends Owned {
  source: 'csv' | 'json'
  accepted: number
  rejected: number
}
export interface ReportExport extends Owned {
  format: 'csv' | 'pdf' | 'xlsx'
  rows: number
}
export interface SsoConfig extends Owned {
  provider: 'okta' | 'azure_ad' | 'google'
  domain: string
}
export interface AuditEntry extends Owned {
  /** The acting user's id: tenant data shown to that tenant's admins, never logged or used as a label. */
  actorId: string
  action: string
  target?: string
}

export interface TenantRecords {
  dashboard: Dashboard
  share: DashboardShare
  alert: Alert
  integration: Integration
  invite: Invite
  apiKey: ApiKey
  import: ImportRecord
  report: ReportExport
  sso: SsoConfig
  audit: AuditEntry
}
export type RecordKind = keyof TenantRecords

export class EmailTakenError extends Error {
  constructor() {
    super('email already registered')
    this.name = 'EmailTakenError'
  }
}

/**
 * What ties records together, one row per kind that has a rule; both stores enforce it (the SQL
 * store through constraints written from this table), so the API answers the same on either.
 * `parent`: the record this one belongs to, in the same tenant (a foreign key).
 * `uniqueBy`: at most one record of the kind per tenant with these field values (a unique key).
 */
export const RECORD_RULES: {
  [K in RecordKind]?: {
    parent?: { kind: RecordKind; field: keyof TenantRecords[K] & string }
    uniqueBy?: (keyof TenantRecords[K] & string)[]
  }
} = {
  share: { parent: { kind: 'dashboard', field: 'dashboardId' }, uniqueBy: ['dashboardId', 'email'] },
  invite: { uniqueBy: ['email'] },
  integration: { uniqueBy: ['provider'] },
}

/** A record would break a `uniqueBy` rule: another record with a different id has those values. */
export class DuplicateRecordError extends Error {
  readonly kind: RecordKind
  constructor(kind: RecordKind, fields: readonly string[]) {
    super(`another ${kind} with the same ${fields.join(' and ')} exists already`)
    this.name = 'DuplicateRecordError'
    this.kind = kind
  }
}

/** A record names a parent (or a tenant) that does not exist. */
export class MissingReferenceError extends Error {
  readonly kind: string
  constructor(kind: string) {
    super(`no such ${kind} in this tenant`)
    this.name = 'MissingReferenceError'
    this.kind = kind
  }
}

/** The database cannot be reached or is shutting down; the call may succeed later. */
export class StoreUnavailableError extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(`the database is unavailable: ${reason}`, options)
    this.name = 'StoreUnavailableError'
  }
}

/** Every method may throw StoreUnavailableError when the store lives in a database that is down. */
export interface Store {
  /** Creates both or neither, so a taken e-mail never leaves an ownerless tenant behind. */
  createTenantWithOwner(tenant: Tenant, owner: User): Promise<void>
  getTenant(id: string): Promise<Tenant | undefined>
  updateTenant(id: string, patch: Partial<Omit<Tenant, 'id' | 'createdAt'>>): Promise<Tenant>
  /** Throws EmailTakenError when the e-mail is registered already. */
  createUser(user: User): Promise<void>
  getUser(id: string): Promise<User | undefined>
  findUserByEmail(email: string): Promise<User | undefined>

  createSession(session: Session): Promise<void>
  findSession(tokenHash: string, now: number): Promise<Session | undefined>
  deleteSession(tokenHash: string): Promise<void>

  /**
   * Inserts or replaces by (tenantId, id). Throws MissingReferenceError when the tenant or the
   * RECORD_RULES parent does not exist, DuplicateRecordError when a `uniqueBy` rule would break.
   */
  put<K extends RecordKind>(kind: K, record: TenantRecords[K]): Promise<TenantRecords[K]>
  get<K extends RecordKind>(kind: K, tenantId: string, id: string): Promise<TenantRecords[K] | undefined>
  /** In insertion order. */
  list<K extends RecordKind>(kind: K, tenantId: string): Promise<TenantRecords[K][]>
  /** Releases connections; the in-memory store has none. */
  close(): Promise<void>
}
