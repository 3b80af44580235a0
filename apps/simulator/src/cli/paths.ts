/**
 * npm runs workspace scripts inside the workspace, so a relative path typed at the repo root would
 * silently point elsewhere. INIT_CWD is where the user typed the command.
 */
import { resolve } from 'node:path'
import { UsageError } from '@feature-analytics/insights'

export { httpUrls, UsageError } from '@feature-analytics/insights'

export const fromUserCwd = (path: string): string => resolve(process.env.INIT_CWD ?? process.cwd(), path)

export const DEFAULT_SCENARIO = new URL('../../scenarios/default.json', import.meta.url).pathname

export function positiveNumber(
  name: string,
  text: string,
  { integer = false, allowZero = false } = {},
): number {
  const value = Number(text)
  const fine =
    Number.isFinite(value) && (allowZero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value))
  if (!fine) {
    throw new UsageError(
      `--${name}: expected ${integer ? 'an integer' : 'a number'} ${allowZero ? '>= 0' : '> 0'}, got ${JSON.stringify(text)}`,
    )
  }
  return value
}
