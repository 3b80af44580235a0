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
  /** Per feature and plan, the users (tenant serial, user index) who visited its page. */
  readonly #active = new Map<string, { feature: string; plan: string; users: Set<string> }>()
  #tenants = 0
  #events = 0

  /** A serial for a tenant's book, so its users' indexes are told apart from other tenants'. */
  tenantSerial(): number {
    return this.#tenants++
  }

  /** A user whose visit of the feature's page the server merged: active on it (ledger.activeUsers). */
  active(tenant: number, user: number, feature: string, plan: string): void {
    const key = `${feature}\u0000${plan}`
    const entry = this.#active.get(key) ?? { feature, plan, users: new Set<string>() }
    entry.users.add(`${tenant}:${user}`)
    this.#active.set(key, entry)
  }

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
    const activeUsers = [...this.#active.values()]
      .map(({ feature, plan, users }) => ({ feature, plan, users: users.size }))
      .sort((a, b) => (a.feature === b.feature ? (a.plan < b.plan ? -1 : 1) : a.feature < b.feature ? -1 : 1))
    return { version: 1, seed, scenario: { name: scenario.name, sha256 }, totals, planted, activeUsers }
  }
}

export const serializeLedger = (ledger: Ledger): string => `${stringify(ledger, null, 2)}\n`
