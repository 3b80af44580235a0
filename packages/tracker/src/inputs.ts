import type { DropReason } from '@feature-analytics/schema'

/** Why an id (user or tenant) is refused, or undefined when it is fine. */
export function idProblem(value: unknown, maxLength: number): DropReason | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'invalid_id'
  if (value.length > maxLength) return 'value_too_long'
  return undefined
}

/** A duration the latency histogram can take: a finite, non-negative number of milliseconds. */
export const isDuration = (value: unknown): value is number =>
  typeof value === 'number' && value >= 0 && value < Number.POSITIVE_INFINITY

export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function'
