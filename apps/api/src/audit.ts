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

/** Saves a tenant-owned record and the audit entry that names it, as every creating feature does. */
export const putAudited = async <K extends RecordKind>(
  store: Store,
  kind: K,
  record: TenantRecords[K] & { id: string },
  by: { actorId: string; action: string },
  now: () => number,
): Promise<void> => {
  await store.put(kind, record)
  await recordAudit(
    store,
    { tenantId: record.tenantId, actorId: by.actorId, action: by.action, target: record.id },
    now,
  )
}
