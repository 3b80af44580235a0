/**
 * The end-to-end check: every ledger entry against the same `sum by` over a source, plus any
 * non-zero series the source has for the ledger's instruments that the ledger does not know.
 */
import { METRICS, promLabel } from '@feature-analytics/schema'
import type { Expr, MetricKey } from './expr.ts'
import { type Attributes, entryTotal, type Ledger, type LedgerEntry } from './ledger.ts'
import type { Source } from './source.ts'

export interface Mismatch {
  instrument: string
  attributes: Attributes
  /** undefined: the source has a series the ledger lacks. */
  expected: number | undefined
  /** undefined: the source lacks a series the ledger has. */
  actual: number | undefined
}

export interface CheckResult {
  checked: number
  mismatches: Mismatch[]
}

const KEY_OF = new Map(Object.entries(METRICS).map(([key, name]) => [name as string, key as MetricKey]))

export async function compareLedger(ledger: Ledger, source: Source): Promise<CheckResult> {
  let checked = 0
  const mismatches: Mismatch[] = []
  for (const [instrument, entries] of Object.entries(ledger.totals)) {
    const metric = KEY_OF.get(instrument)
    if (!metric) throw new Error(`unknown instrument in ledger: ${instrument}`)
    // Entries of one instrument may name different attribute sets; each set is its own `sum by`.
    for (const group of groupByKeys(entries)) {
      const keys = Object.keys(group[0]?.attributes ?? {}).sort()
      const histogram = group.some((entry) => 'count' in entry)
      const expr: Expr = { kind: 'sum', by: keys, of: { metric, series: histogram ? '_count' : '' } }
      const actual = new Map<string, number>()
      for (const series of await source.query(expr)) {
        const attributes = Object.fromEntries(keys.map((k) => [k, series.labels[promLabel(k)] ?? '']))
        actual.set(identity(attributes), series.value)
      }
      for (const entry of group) {
        checked++
        const id = identity(entry.attributes)
        const got = actual.get(id)
        actual.delete(id)
        if (got !== entryTotal(entry)) {
          mismatches.push({
            instrument,
            attributes: entry.attributes,
            expected: entryTotal(entry),
            actual: got,
          })
        }
      }
      for (const [id, value] of actual) {
        if (value !== 0)
          mismatches.push({ instrument, attributes: JSON.parse(id), expected: undefined, actual: value })
      }
    }
  }
  return { checked, mismatches }
}

/** Several checks as one (the counts' and the distinct users', say). */
export const combineChecks = (...results: readonly CheckResult[]): CheckResult => ({
  checked: results.reduce((n, r) => n + r.checked, 0),
  mismatches: results.flatMap((r) => r.mismatches),
})

export function formatCheck({ checked, mismatches }: CheckResult): string {
  const lines = mismatches.map(({ instrument, attributes, expected, actual }) => {
    const labels = Object.entries(attributes)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')
    const what =
      expected === undefined
        ? `not in ledger, source has ${actual}`
        : actual === undefined
          ? `ledger ${expected}, missing from source`
          : `ledger ${expected}, source ${actual} (${actual > expected ? '+' : ''}${actual - expected})`
    return `MISMATCH ${instrument}{${labels}}: ${what}`
  })
  lines.push(`checked ${checked} series, ${mismatches.length} mismatches`)
  return lines.join('\n')
}

/** Passing means every entry matched and there was something to check. */
export const checkPassed = (result: CheckResult): boolean =>
  result.checked > 0 && result.mismatches.length === 0

function groupByKeys(entries: readonly LedgerEntry[]): LedgerEntry[][] {
  const groups = new Map<string, LedgerEntry[]>()
  for (const entry of entries) {
    const key = Object.keys(entry.attributes).sort().join('\u0000')
    groups.set(key, [...(groups.get(key) ?? []), entry])
  }
  return [...groups.values()]
}

function identity(attributes: Attributes): string {
  return JSON.stringify(Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b))))
}
