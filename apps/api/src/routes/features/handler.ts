/** The contract each feature module fulfils: one handler per catalog entry it owns. */
import type { Context } from 'koa'
import { putAudited } from '../../audit.ts'
import type { FeatureName } from '../../catalog.ts'
import type { Services } from '../../services.ts'
import type { RecordKind, TenantRecords } from '../../store/types.ts'

export type FeatureHandler = (ctx: Context) => Promise<void>
export type FeatureHandlers<K extends FeatureName> = Record<K, FeatureHandler>

export const isoNow = (now: () => number): string => new Date(now()).toISOString()

/**
 * Stores a record that may replace an earlier one (sharing again, connecting again) with its audit
 * entry, and answers 201 for a new record, 200 for a replaced one.
 */
export async function answerUpsert<K extends RecordKind>(
  ctx: Context,
  { store, now }: Pick<Services, 'store' | 'now'>,
  upsert: {
    kind: K
    record: TenantRecords[K] & { id: string }
    by: { actorId: string; action: string; target?: string }
    replaced: boolean
    body: unknown
  },
): Promise<void> {
  const { kind, record, by, replaced, body } = upsert
  await putAudited(store, kind, record, by, now)
  ctx.status = replaced ? 200 : 201
  ctx.body = body
}
