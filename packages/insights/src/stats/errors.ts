/** A statistic asked of counts that cannot carry it (negative, fractional, a group larger than its total). */
export class StatsInputError extends Error {
  override name = 'StatsInputError'
}

export function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StatsInputError(`${name} must be a non-negative integer, got ${String(value)}`)
  }
}

/** `events` out of `n`: both counts, and no more events than trials. */
export function assertGroup(name: string, events: number, n: number): void {
  assertCount(`${name} events`, events)
  assertCount(`${name} size`, n)
  if (events > n) throw new StatsInputError(`${name}: ${events} events out of only ${n}`)
}
