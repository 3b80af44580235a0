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

  /** Inserts or replaces by (tenantId, id). */
  put<K extends RecordKind>(kind: K, record: TenantRecords[K]): Promise<TenantRecords[K]>
  get<K extends RecordKind>(kind: K, tenantId: string, id: string): Promise<TenantRecords[K] | undefined>
  /** In insertion order. */
  list<K extends RecordKind>(kind: K, tenantId: string): Promise<TenantRecords[K][]>
}
