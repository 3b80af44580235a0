/** The tenant's audit trail, which audit_log_export returns. */
import { randomUUID } from 'node:crypto'
import type { Store } from './store/types.ts'

export const recordAudit = async (
  store: Store,
  entry: { tenantId: string; actorId: string; action: string; target?: string },
  now: () => number,
): Promise<void> => {
  await store.put('audit', { id: randomUUID(), createdAt: new Date(now()).toISOString(), ...entry })
}
