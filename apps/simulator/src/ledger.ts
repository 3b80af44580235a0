/**
 * Accumulates what the server acknowledged, per instrument and attribute set, and writes it in the
 * ledger format of docs/interfaces.md: sorted keys and entries, no timestamps, no server ids, so the
 * same seed and scenario give the same bytes whatever order concurrent tenants finished in.
 */
import type { Ledger, LedgerEntry } from '@feature-analytics/insights'
import { METRICS } from '@feature-analytics/schema'
import { configure } from 'safe-stable-stringify'
import type { LoadedScenario } from './scenario.ts'

const stringify = configure({ deterministic: true, bigint: false })

/** Instruments the ledger carries as histograms: their entries hold `count`, not `value`. */
const HISTOGRAMS: ReadonlySet<string> = new Set([METRICS.timeSpent])

export type LedgerInstrument =
  | typeof METRICS.usage
  | typeof METRICS.click
  | typeof METRICS.timeSpent
  | typeof METRICS.adoptionStage
  | typeof METRICS.planChange
  | typeof METRICS.upgradePriorUsage
  | typeof METRICS.retentionOutcome
  | typeof METRICS.billingDecision
  | typeof METRICS.decisionFeatureUse

export class LedgerBuilder {
  readonly #totals = new Map<string, Map<string, { attributes: Record<string, string>; n: number }>>()
  readonly #spiked = new Map<string, number>()
  #events = 0

  add(instrument: LedgerInstrument, attributes: Record<string, string>, n = 1): void {
    const entries = this.#totals.get(instrument) ?? new Map()
    this.#totals.set(instrument, entries)
    const key = stringify(attributes) as string
    const entry = entries.get(key) ?? { attributes, n: 0 }
    entry.n += n
    entries.set(key, entry)
    this.#events += n
  }

  /** One successful call slowed by a planted latency spike (the ledger's planted entry counts them). */
  spiked(feature: string, plan: string): void {
    const key = `${feature}\u0000${plan}`
    this.#spiked.set(key, (this.#spiked.get(key) ?? 0) + 1)
  }

  /** Everything acknowledged so far, counted in events (a click point of 3 counts 3). */
  get events(): number {
    return this.#events
  }

  build(seed: number, { scenario, sha256 }: LoadedScenario): Ledger {
    const totals: Record<string, LedgerEntry[]> = {}
    for (const [instrument, entries] of this.#totals) {
      totals[instrument] = [...entries.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, { attributes, n }]) =>
          HISTOGRAMS.has(instrument) ? { attributes, count: n } : { attributes, value: n },
        )
    }
    // A latency spike's entry also says how many calls it slowed, so a check knows what to look for.
    const planted = scenario.planted.map((effect) =>
      effect.effect === 'latency_spike'
        ? { ...effect, calls: this.#spiked.get(`${effect.feature}\u0000${effect.plan}`) ?? 0 }
        : effect,
    )
    return { version: 1, seed, scenario: { name: scenario.name, sha256 }, totals, planted }
  }
}

export const serializeLedger = (ledger: Ledger): string => `${stringify(ledger, null, 2)}\n`
