/**
 * One suite, three stores: the in-memory store, the embedded engine (PGlite) and a real PostgreSQL
 * server. The two SQL engines run the same migrations and statements; the memory store is held to
 * the same behaviour so tests that use it describe the real thing.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InMemoryStore } from '../src/store/memory.ts'
import { openStore } from '../src/store/open.ts'
import { migrate } from '../src/store/sql/migrate.ts'
import type { SqlStore } from '../src/store/sql/store.ts'
import {
  DuplicateRecordError,
  EmailTakenError,
  MissingReferenceError,
  type Store,
  type Tenant,
  type User,
} from '../src/store/types.ts'
import { usePostgres } from './postgres-server.ts'

const postgres = usePostgres()

const engines: [string, () => Promise<Store>][] = [
  ['memory', async () => new InMemoryStore()],
  ['embedded (PGlite)', async () => (await openStore({})).store],
  ['PostgreSQL', async () => (await openStore({ databaseUrl: await postgres().createDatabase() })).store],
]

const at = '2026-12-01T10:00:00.000Z'
const tenantFor = (plan: Tenant['plan'] = 'pro'): Tenant => ({
  id: randomUUID(),
  name: 'Acme',
  plan,
  status: 'active',
  createdAt: at,
})
const userFor = (tenantId: string, email = `${randomUUID()}@acme.example`): User => ({
  id: randomUUID(),
  tenantId,
  name: 'Pat',
  email,
  role: 'owner',
  passwordHash: 'scrypt$1$2$3$salt$key',
  createdAt: at,
})

// One store per engine for the whole suite (opening PGlite takes seconds); every test makes its own
// tenants, users and tokens with fresh ids, so tests do not see each other's rows.
describe.each(engines)('store on %s', (_name, open) => {
  let store: Store
  beforeAll(async () => {
    store = await open()
  }, 120_000)
  afterAll(async () => {
    await store?.close()
  })
  const fresh = async () => store
  const tenantWithOwner = async (store: Store) => {
    const tenant = tenantFor()
    const owner = userFor(tenant.id)
    await store.createTenantWithOwner(tenant, owner)
    return { tenant, owner }
  }

  it('keeps tenants and users, and finds users by e-mail', async () => {
    const store = await fresh()
    const { tenant, owner } = await tenantWithOwner(store)
    expect(await store.getTenant(tenant.id)).toEqual(tenant)
    expect(await store.getUser(owner.id)).toEqual(owner)
    expect(await store.findUserByEmail(owner.email)).toEqual(owner)
    expect(await store.findUserByEmail('nobody@acme.example')).toBeUndefined()
    expect(await store.getTenant(randomUUID())).toBeUndefined()
  })

  it('refuses a taken e-mail and leaves no ownerless tenant behind', async () => {
    const store = await fresh()
    const { owner } = await tenantWithOwner(store)
    const second = tenantFor()
    await expect(store.createTenantWithOwner(second, userFor(second.id, owner.email))).rejects.toThrow(
      EmailTakenError,
    )
    expect(await store.getTenant(second.id)).toBeUndefined()
    await expect(store.createUser({ ...userFor(owner.tenantId, owner.email) })).rejects.toThrow(
      EmailTakenError,
    )
  })

  it('lets exactly one of many concurrent sign-ups with one e-mail through', async () => {
    const store = await fresh()
    const email = `race-${randomUUID()}@acme.example`
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => {
        const tenant = tenantFor()
        return store.createTenantWithOwner(tenant, userFor(tenant.id, email))
      }),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(EmailTakenError)
  })

  it('refuses a user or a session that names what does not exist', async () => {
    const store = await fresh()
    await expect(store.createUser(userFor(randomUUID()))).rejects.toThrow(MissingReferenceError)
    await expect(
      store.createSession({ tokenHash: randomUUID(), userId: randomUUID(), expiresAt: Date.now() + 1000 }),
    ).rejects.toThrow('no such user')
  })

  it('updates tenants by patch, and says when the tenant is unknown', async () => {
    const store = await fresh()
    const { tenant } = await tenantWithOwner(store)
    const renewedAt = '2026-12-02T08:30:00.123Z'
    expect(await store.updateTenant(tenant.id, { plan: 'enterprise', renewedAt })).toEqual({
      ...tenant,
      plan: 'enterprise',
      renewedAt,
    })
    const cancelled = await store.updateTenant(tenant.id, { status: 'cancelled', cancelledAt: at })
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelledAt: at, renewedAt })
    expect(await store.getTenant(tenant.id)).toEqual(cancelled)
    await expect(store.updateTenant(randomUUID(), { plan: 'free' })).rejects.toThrow(MissingReferenceError)
  })

  it('finds live sessions, forgets expired and deleted ones', async () => {
    const store = await fresh()
    const { owner } = await tenantWithOwner(store)
    const now = Date.parse(at)
    const [live, old] = [randomUUID(), randomUUID()]
    await store.createSession({ tokenHash: live, userId: owner.id, expiresAt: now + 60_000 })
    await store.createSession({ tokenHash: old, userId: owner.id, expiresAt: now - 1 })
    expect(await store.findSession(live, now)).toEqual({
      tokenHash: live,
      userId: owner.id,
      expiresAt: now + 60_000,
    })
    expect(await store.findSession(old, now)).toBeUndefined()
    // Expired sessions are removed when found, so they are gone even for a clock that goes back.
    expect(await store.findSession(old, now - 10_000)).toBeUndefined()
    await store.deleteSession(live)
    expect(await store.findSession(live, now)).toBeUndefined()
  })

  it('keeps records per tenant, in insertion order, replacing by id', async () => {
    const store = await fresh()
    const { tenant, owner } = await tenantWithOwner(store)
    const other = await tenantWithOwner(store)
    const dashboard = (name: string) => ({
      id: randomUUID(),
      tenantId: tenant.id,
      name,
      createdBy: owner.id,
      createdAt: at,
    })
    const [a, b, c] = [dashboard('a'), dashboard('b'), dashboard('c')]
    for (const d of [a, b, c]) await store.put('dashboard', d)
    await store.put('dashboard', { ...a, name: 'a, renamed' })
    expect((await store.list('dashboard', tenant.id)).map((d) => d.name)).toEqual(['a, renamed', 'b', 'c'])
    expect(await store.get('dashboard', tenant.id, b.id)).toEqual(b)
    // Another tenant cannot address the record by its id.
    expect(await store.get('dashboard', other.tenant.id, b.id)).toBeUndefined()
    expect(await store.list('dashboard', other.tenant.id)).toEqual([])
    await expect(store.put('dashboard', { ...dashboard('x'), tenantId: randomUUID() })).rejects.toThrow(
      'no such tenant',
    )
  })

  it('holds records to RECORD_RULES: parents exist in the tenant, unique keys stay unique', async () => {
    const store = await fresh()
    const { tenant, owner } = await tenantWithOwner(store)
    const other = await tenantWithOwner(store)
    const dashboard = { id: randomUUID(), tenantId: tenant.id, name: 'd', createdBy: owner.id, createdAt: at }
    await store.put('dashboard', dashboard)
    const share = {
      id: randomUUID(),
      tenantId: tenant.id,
      dashboardId: dashboard.id,
      email: 'a@b.example',
      createdAt: at,
    }
    await store.put('share', share)
    await store.put('share', { ...share, createdAt: '2026-12-03T00:00:00.000Z' })
    await expect(store.put('share', { ...share, id: randomUUID() })).rejects.toThrow(DuplicateRecordError)
    await expect(
      store.put('share', { ...share, id: randomUUID(), dashboardId: randomUUID() }),
    ).rejects.toThrow('no such dashboard in this tenant')
    // The dashboard exists, but in another tenant.
    await expect(
      store.put('share', { ...share, id: randomUUID(), tenantId: other.tenant.id }),
    ).rejects.toThrow(MissingReferenceError)
    expect(await store.list('share', tenant.id)).toEqual([
      { ...share, createdAt: '2026-12-03T00:00:00.000Z' },
    ])
  })
})

describe('SQL only', () => {
  it('applies each migration once, also when replicas start together on one PostgreSQL', async () => {
    const url = await postgres().createDatabase()
    const replicas = await Promise.all([openStore({ databaseUrl: url }), openStore({ databaseUrl: url })])
    try {
      expect(replicas.flatMap((r) => r.applied)).toEqual([1])
      expect(await migrate((replicas[0].store as SqlStore).engine)).toEqual([])
    } finally {
      for (const r of replicas) await r.store.close()
    }
  })

  it('shares tenants, users and sessions between stores on one PostgreSQL', async () => {
    const url = await postgres().createDatabase()
    const [one, two] = await Promise.all([openStore({ databaseUrl: url }), openStore({ databaseUrl: url })])
    try {
      const tenant = tenantFor()
      const owner = userFor(tenant.id)
      await one.store.createTenantWithOwner(tenant, owner)
      await one.store.createSession({ tokenHash: 't', userId: owner.id, expiresAt: Date.now() + 60_000 })
      expect(await two.store.findUserByEmail(owner.email)).toEqual(owner)
      expect((await two.store.findSession('t', Date.now()))?.userId).toBe(owner.id)
    } finally {
      await one.store.close()
      await two.store.close()
    }
  })
})
