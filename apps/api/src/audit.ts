/** The tenant's audit trail, which audit_log_export returns. */
import { randomUUID } from 'node:crypto'
import type { RecordKind, Store, TenantRecords } from './store/types.ts'

export const recordAudit = async (
  store: Store,
  entry: { tenantId: string; actorId: string; action: string; target?: string },
  now: () => number,
): Promise<void> => {
  await store.put('audit', { id: randomUUID(), createdAt: new Date(now()).toISOString(), ...entry })
}

/**
 * Saves a tenant-owned record and the audit entry for it, as every writing feature does. The entry
 * names the record's id unless `by.target` names what the tenant knows it by (a provider, say).
 */
export const putAudited = async <K extends RecordKind>(
  store: Store,
  kind: K,
  record: TenantRecords[K] & { id: string },
  by: { actorId: string; action: string; target?: string },
  now: () => number,
): Promise<void> => {
  await store.put(kind, record)
  await recordAudit(
    store,
    { tenantId: record.tenantId, actorId: by.actorId, action: by.action, target: by.target ?? record.id },
    now,
  )
}
