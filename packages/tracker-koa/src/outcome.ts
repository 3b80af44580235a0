import type { Outcome } from '@feature-analytics/schema'

/** What a finished request says about the feature: it worked, it failed, or it never ran. */
export type RequestOutcome = Outcome | 'skip'

/**
 * 401, 402 and 403 mean access was refused before the feature ran (no session, a cancelled tenant,
 * a plan without the feature): not feature usage, so nothing is recorded. Every other status
 * from 400 up, including the 400 a handler sets for invalid input, is a failed use of the feature.
 */
export function defaultOutcome(status: number): RequestOutcome {
  if (status === 401 || status === 402 || status === 403) return 'skip'
  return status >= 400 ? 'error' : 'success'
}

/** The status Koa will answer a thrown error with (its own rule: `status`, then `statusCode`, else 500). */
export function statusOfError(error: unknown): number {
  const e = error as { status?: unknown; statusCode?: unknown } | null
  const status = typeof e?.status === 'number' ? e.status : e?.statusCode
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500
}
