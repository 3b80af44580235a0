/**
 * The simulator's ledger (docs/interfaces.md): totals of what the server acknowledged, per
 * instrument and attribute set. Counters carry `value`, histograms carry `count`.
 */
import { METRICS } from '@feature-analytics/schema'

export type Attributes = Readonly<Record<string, string>>
export type LedgerEntry =
  | { attributes: Attributes; value: number }
  | { attributes: Attributes; count: number }

export interface Ledger {
  version: 1
  seed: number
  scenario: { name: string; sha256: string }
  totals: Readonly<Record<string, readonly LedgerEntry[]>>
  planted: readonly Readonly<Record<string, string | number>>[]
  /**
   * Distinct users who visited each feature's page, per plan (absent in older ledgers). The
   * simulator's run fits in one day, so each is the count of every activity window (1d, 7d, 30d)
   * on a fresh store; a sketch's estimate of it has an error (see activeUsersSummary). A run that
   * crosses UTC midnight is checked in 7d and 30d only (checkableWindows).
   */
  activeUsers?: readonly ActiveUsersEntry[]
}

export interface ActiveUsersEntry {
  feature: string
  plan: string
  users: number
}

export class LedgerFormatError extends Error {
  override name = 'LedgerFormatError'
}

const KNOWN = new Set<string>(Object.values(METRICS))

export function parseLedger(text: string): Ledger {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new LedgerFormatError(`ledger is not JSON: ${(error as Error).message}`)
  }
  const fail = (path: string, expected: string): never => {
    throw new LedgerFormatError(`ledger.${path}: expected ${expected}`)
  }
  const ledger = isObject(data) ? data : fail('', 'an object')
  if (ledger.version !== 1) fail('version', '1')
  if (!Number.isInteger(ledger.seed)) fail('seed', 'an integer')
  const totals = isObject(ledger.totals) ? ledger.totals : fail('totals', 'an object')
  for (const [instrument, entries] of Object.entries(totals)) {
    const path = `totals.${instrument}`
    if (!KNOWN.has(instrument)) fail(path, `one of the schema's metrics (${[...KNOWN].join(', ')})`)
    if (!Array.isArray(entries)) fail(path, 'an array')
    for (const [i, entry] of (entries as unknown[]).entries()) {
      const at = `${path}[${i}]`
      if (!isObject(entry) || !isObject(entry.attributes)) fail(at, 'an entry with attributes')
      const { attributes, value, count } = entry as Record<string, unknown>
      if (!Object.values(attributes as object).every((v) => typeof v === 'string')) {
        fail(`${at}.attributes`, 'string values')
      }
      const n = value ?? count
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) fail(at, 'a non-negative value or count')
    }
  }
  if (!Array.isArray(ledger.planted)) fail('planted', 'an array')
  if (ledger.activeUsers !== undefined) {
    if (!Array.isArray(ledger.activeUsers)) fail('activeUsers', 'an array')
    for (const [i, entry] of (ledger.activeUsers as unknown[]).entries()) {
      const { feature, plan, users } = (isObject(entry) ? entry : {}) as Record<string, unknown>
      if (typeof feature !== 'string' || typeof plan !== 'string' || !Number.isSafeInteger(users))
        fail(`activeUsers[${i}]`, 'an entry with feature, plan and integer users')
    }
  }
  return ledger as unknown as Ledger
}

export const entryTotal = (entry: LedgerEntry): number => ('value' in entry ? entry.value : entry.count)

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
