/** One feature call as the API's catalog describes it, and how its answer reads. */
import type { CatalogEntry } from './catalog.ts'
import type { Answer, ApiClient } from './client.ts'
import { type CallInput, ID_KINDS, type TenantContext } from './features.ts'

/** Refused before the feature ran: not feature usage (docs/interfaces.md). */
export const ACCESS_REFUSED: ReadonlySet<number> = new Set([401, 402, 403])

export const ok = (answer: Answer): boolean => answer.status >= 200 && answer.status < 300

/** The id kinds a call's path needs (`dashboard` for a share), which the tenant must have first. */
export const idKindsOf = (input: CallInput): string[] => Object.values(input.params ?? {})

/**
 * Calls the entry's route as `token`, filling `:name` path segments with ids from the tenant's
 * context. A work factor goes out as the API's X-Work-Factor: the call does that many times its
 * usual work.
 */
export function callFeature(
  client: ApiClient,
  token: string,
  entry: CatalogEntry,
  input: CallInput,
  context: TenantContext,
  workFactor?: number,
): Promise<Answer> {
  const idOf = (kind: string | undefined) =>
    (kind !== undefined &&
      Object.hasOwn(ID_KINDS, kind) &&
      ID_KINDS[kind as keyof typeof ID_KINDS](context)) ||
    'none'
  const path = entry.path.replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent(idOf(input.params?.[name])),
  )
  return client.call(entry.method, path, {
    token,
    ...(input.body === undefined ? {} : { body: input.body }),
    ...(input.query === undefined ? {} : { query: input.query }),
    ...(workFactor === undefined ? {} : { headers: { 'x-work-factor': String(workFactor) } }),
  })
}
