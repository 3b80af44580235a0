/**
 * The time window a report covers: the last `--window 30d`, or `--since` to `--until`. Prometheus
 * answers a windowed query as increase() over the window at its end, so a counter that restarted
 * (an API replica redeployed) counts what it did before and after the reset, once.
 */

export interface Window {
  /** Length of the window in whole seconds. */
  seconds: number
  /** End of the window, unix seconds; absent means "now" (Prometheus's evaluation time). */
  end?: number
}

export class WindowError extends Error {
  override name = 'WindowError'
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 }

/** A Prometheus-style duration: `90s`, `15m`, `12h`, `30d`, `1w`, or combined as in `1d12h`. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)([smhdwy])/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new WindowError(`invalid duration ${JSON.stringify(text)}: expected e.g. 30d, 12h, 15m or 1d12h`)
  }
  const seconds = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNIT_SECONDS[unit as string] ?? 0), 0)
  if (seconds <= 0) throw new WindowError(`the duration ${text} is empty`)
  return seconds
}

/** An RFC 3339 time or unix seconds. */
export function parseTime(text: string, name: string): number {
  const unix = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text) / 1000
  if (!Number.isFinite(unix)) {
    throw new WindowError(
      `invalid ${name} ${JSON.stringify(text)}: expected RFC 3339 (2026-12-01T10:00:00Z) or unix seconds`,
    )
  }
  return unix
}

/** From the CLI flags; undefined when none was given (totals since each series started). */
export function windowFrom(
  flags: { window?: string; since?: string; until?: string },
  now = Date.now() / 1000,
): Window | undefined {
  if (flags.window !== undefined && flags.since !== undefined) {
    throw new WindowError('give either --window or --since (with an optional --until), not both')
  }
  const end = flags.until === undefined ? undefined : parseTime(flags.until, '--until')
  if (flags.window !== undefined) {
    return { seconds: parseDuration(flags.window), ...(end === undefined ? {} : { end }) }
  }
  if (flags.since === undefined) {
    if (end !== undefined) throw new WindowError('--until needs --since or --window')
    return undefined
  }
  const start = parseTime(flags.since, '--since')
  const until = end ?? now
  const seconds = Math.ceil(until - start)
  if (seconds <= 0) throw new WindowError('--since must be before --until')
  return { seconds, ...(end === undefined ? {} : { end }) }
}

export function describeWindow(window: Window | undefined): string {
  if (!window) return 'since each series started'
  const end = window.end === undefined ? 'now' : new Date(window.end * 1000).toISOString()
  return `the ${window.seconds}s up to ${end}`
}
