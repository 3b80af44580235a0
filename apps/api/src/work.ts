/**
 * The work a feature does, in proportion to what it handles: an export renders one line per row of
 * the tenant's data and compresses the file, an import indexes each row, a search scans the
 * tenant's records. Latency then differs by feature, plan and tenant size the way it does in a real
 * SaaS, and each step is a child span (`report.render`, `import.index`...) with its size, so a
 * trace of a slow call shows where the time went.
 *
 * Rendering runs on the event loop and compression in libuv's thread pool (zlib's async API), like
 * a real export. `X-Work-Factor` (an integer from 1 to MAX_WORK_FACTOR, default 1) multiplies the
 * work of one call: the simulator's planted `latency_spike` sends it, so the spike is real work the
 * API does, not a sleep. Units are capped at MAX_WORK_UNITS so no request can ask for unbounded work.
 */
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { trace } from '@opentelemetry/api'
import type { Context } from 'koa'
import { HttpError } from './errors.ts'

export const WORK_FACTOR_HEADER = 'x-work-factor'
export const MAX_WORK_FACTOR = 50
export const MAX_WORK_UNITS = 200_000

const compress = promisify(gzip)
const tracer = trace.getTracer('saas-api')

/** The call's X-Work-Factor, validated: a bad value is the caller's error (400), never ignored. */
export function workFactor(ctx: Context): number {
  const raw = ctx.get(WORK_FACTOR_HEADER)
  if (raw === '') return 1
  const factor = Number(raw)
  if (!Number.isInteger(factor) || factor < 1 || factor > MAX_WORK_FACTOR) {
    throw new HttpError(
      400,
      'validation_error',
      `${WORK_FACTOR_HEADER}: expected an integer from 1 to ${MAX_WORK_FACTOR}`,
      { details: { field: WORK_FACTOR_HEADER } },
    )
  }
  return factor
}

/** One line of an export or index: varied text, so compression has real work to do. */
function line(i: number, seed: number): string {
  const h = Math.imul(i ^ seed, 2654435761) >>> 0
  return `${i},${h.toString(36)},${(h % 100_000) / 100},${((h >>> 7) % 365) + 1},row-${h.toString(16)}-${i % 97}\n`
}

/**
 * Renders `units` lines and compresses them, inside a child span named `step` carrying
 * `work.units` and `work.factor`. Returns the compressed size (what an export would send).
 */
export async function doWork(ctx: Context, step: string, units: number): Promise<number> {
  const factor = workFactor(ctx)
  const total = Math.min(MAX_WORK_UNITS, Math.max(1, Math.ceil(units * factor)))
  return tracer.startActiveSpan(
    step,
    { attributes: { 'work.units': total, 'work.factor': factor } },
    async (span) => {
      try {
        const seed = (Math.random() * 0x7fffffff) | 0
        const lines: string[] = new Array(total)
        for (let i = 0; i < total; i++) lines[i] = line(i, seed)
        const compressed = await compress(lines.join(''))
        span.setAttribute('work.bytes', compressed.length)
        return compressed.length
      } finally {
        span.end()
      }
    },
  )
}
