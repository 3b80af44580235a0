/**
 * One tenant, played as a sequential actor: sign up, add members, then period after period its
 * users' sessions (think time compressed to nothing), their browser exports, and the billing event
 * that ends the period. Every random choice comes from the tenant's own seeded faker, in an order
 * that only depends on the scenario and on the server's answers to this tenant, so running tenants
 * concurrently cannot change what any of them does.
 */
import type { Faker } from '@faker-js/faker'
import type { Plan } from '@feature-analytics/schema'
import { decide, periodRates } from './billing.ts'
import type { TenantBook } from './book.ts'
import { emptyBatch, isEmpty, recordVisit, splitClickKey, toOtlp } from './browser.ts'
import type { Catalog, CatalogEntry } from './catalog.ts'
import { type Answer, type ApiClient, describeAnswer } from './client.ts'
import { ACCESS_REFUSED, callFeature, idKindsOf, ok } from './feature-call.ts'
import { type CallInput, FEATURE_ELEMENTS, type FeatureName, type TenantContext } from './features.ts'
import { chance } from './random.ts'
import type { Scenario } from './scenario.ts'
import { type SimUser, signUp } from './signup.ts'
import type { Stats } from './stats.ts'

export interface TenantDeps {
  index: number
  scenario: Scenario
  faker: Faker
  client: ApiClient
  catalog: Catalog
  book: TenantBook
  stats: Stats
  /** Unique per run, only in e-mail addresses, so reruns against one API do not collide. */
  runTag: string
  /** Called as each period completes (or is skipped after a cancellation). */
  periodDone: () => void
}

/** A feature call the tenant is about to make, and what the plan expects of its answer. */
interface PlannedCall {
  entry: CatalogEntry
  input: CallInput
  /** gated: a feature outside the plan (403 expected); invalid: bad input (400); valid: success. */
  expect: 'gated' | 'invalid' | 'valid'
  /** A planted latency spike's X-Work-Factor for this call. */
  workFactor?: number
}

class TenantAborted extends Error {}

export class TenantActor {
  readonly #deps: TenantDeps
  readonly #faker: Faker
  #plan: Plan = 'free'
  #users: SimUser[] = []
  #interest = new Set<FeatureName>()
  #fresh = true
  readonly #context: TenantContext = { dashboards: [] }

  constructor(deps: TenantDeps) {
    this.#deps = deps
    this.#faker = deps.faker
  }

  async run(): Promise<void> {
    const { scenario } = this.#deps
    let period = 0
    try {
      const expect = (answer: Answer, status: number, what: string) => this.#expect(answer, status, what)
      ;({ plan: this.#plan, users: this.#users } = await signUp({ ...this.#deps, expect }))
      for (; period < scenario.periods; period++) {
        this.#discover()
        for (const user of this.#users) await this.#playPeriod(user, period)
        const cancelled = await this.#endPeriod()
        this.#deps.periodDone()
        if (cancelled) {
          period++
          break
        }
      }
    } catch (error) {
      if (!(error instanceof TenantAborted)) throw error
    } finally {
      for (; period < scenario.periods; period++) this.#deps.periodDone()
    }
  }

  /** Takes up features of the current plan: all at once when the plan is new, then one by one. */
  #discover(): void {
    const affinity = this.#deps.scenario.plans[this.#plan].affinity
    const rate = this.#fresh ? 1 : this.#deps.scenario.activity.discoveryPerPeriod
    for (const entry of this.#deps.catalog.values()) {
      if (!entry.plans.includes(this.#plan) || this.#interest.has(entry.name)) continue
      const a = affinity[entry.name] ?? 0
      if (a > 0 && chance(this.#faker, a * rate)) this.#interest.add(entry.name)
    }
    this.#fresh = false
  }

  async #playPeriod(user: SimUser, period: number): Promise<void> {
    const { activity } = this.#deps.scenario
    const growth = (1 + activity.growthPerPeriod) ** period
    const sessions = Math.round(this.#faker.number.int(activity.sessionsPerPeriod) * user.weight * growth)
    for (let s = 0; s < sessions; s++) {
      const actions = this.#faker.number.int(activity.actionsPerSession)
      for (let a = 0; a < actions; a++) await this.#act(user)
    }
    await this.#flushBrowser(user)
  }

  /** One user action: choose a call, click through its page, make the call, book its answer. */
  async #act(user: SimUser): Promise<void> {
    const call = this.#chooseCall()
    if (!call) return
    if (call.expect !== 'gated') this.#browse(user, call.entry.name)
    const { client, book } = this.#deps
    const answer = await callFeature(
      client,
      user.token,
      call.entry,
      call.input,
      this.#context,
      call.workFactor,
    )
    if (call.workFactor !== undefined && ok(answer)) book.spiked(call.entry.name, this.#plan)
    this.#book(user, call, answer)
  }

  #chooseCall(): PlannedCall | undefined {
    const { errors } = this.#deps.scenario
    const faker = this.#faker
    const gated = [...this.#deps.catalog.values()].filter((e) => !e.plans.includes(this.#plan))
    if (gated.length > 0 && chance(faker, errors.gatedCallRate)) {
      const entry = faker.helpers.arrayElement(gated)
      return { entry, input: entry.example, expect: 'gated' }
    }
    let feature = this.#pickFeature()
    if (!feature) return undefined
    // A share needs a dashboard to share: the tenant creates one first.
    const needs = idKindsOf(this.#deps.catalog.get(feature)?.example ?? {})
    if (needs.includes('dashboard') && this.#context.dashboards.length === 0) feature = 'dashboard_create'
    const entry = this.#deps.catalog.get(feature)
    if (!entry?.plans.includes(this.#plan)) return undefined
    const invalid = chance(faker, errors.invalidInputRate)
    if (invalid) return { entry, input: entry.invalid, expect: 'invalid' }
    const input = entry.example
    const workFactor = this.#latencySpike(feature)
    return { entry, input, expect: 'valid', ...(workFactor === undefined ? {} : { workFactor }) }
  }

  /**
   * A planted latency spike for this call: the work factor to ask for, or undefined. Draws only
   * when an effect matches, so scenarios without one replay exactly as before.
   */
  #latencySpike(feature: FeatureName): number | undefined {
    for (const effect of this.#deps.scenario.planted) {
      if (effect.effect !== 'latency_spike' || effect.feature !== feature || effect.plan !== this.#plan)
        continue
      if (chance(this.#faker, effect.share)) return effect.factor
    }
    return undefined
  }

  #pickFeature(): FeatureName | undefined {
    const affinity = this.#deps.scenario.plans[this.#plan].affinity
    const choices = [...this.#interest]
      .filter((name) => this.#deps.catalog.get(name)?.plans.includes(this.#plan))
      .map((name) => ({ value: name, weight: Math.max(affinity[name] ?? 0, 0.05) }))
    return choices.length === 0 ? undefined : this.#faker.helpers.weightedArrayElement(choices)
  }

  /** Some visits click around the feature's page first; the browser exports them at the period's end. */
  #browse(user: SimUser, feature: FeatureName): void {
    const { browser } = this.#deps.scenario
    const faker = this.#faker
    if (!chance(faker, browser.engagement)) return
    const clicks = faker.number.int(browser.clicksPerVisit)
    const elements = Array.from({ length: clicks }, () =>
      faker.helpers.arrayElement(FEATURE_ELEMENTS[feature]),
    )
    recordVisit(user.batch, feature, elements, faker.number.int(browser.secondsPerVisit) * 1000)
  }

  /** Writes what the answer means to the ledger and the stats. */
  #book(user: SimUser, { entry, expect }: PlannedCall, answer: Answer): void {
    const feature = entry.name
    if (expect === 'gated') {
      if (answer.status === 403) this.#deps.stats.plannedGated++
      else this.#unplanned(answer, `gated ${feature} on ${this.#plan}`, feature, user)
    } else if (expect === 'invalid') {
      if (answer.status === 400) {
        this.#deps.stats.plannedInvalid++
        this.#deps.book.error(feature, this.#plan)
      } else this.#unplanned(answer, `invalid ${feature}`, feature, user)
    } else if (ok(answer)) {
      this.#succeeded(user, feature, answer)
    } else {
      this.#unplanned(answer, feature, feature, user)
    }
  }

  #succeeded(user: SimUser, feature: FeatureName, answer: Answer): void {
    this.#deps.book.success(user.index, feature, this.#plan)
    if (feature === 'dashboard_create') {
      const id = (answer.body as { dashboard?: { id?: string } } | undefined)?.dashboard?.id
      if (id) this.#context.dashboards.push(id)
    }
  }

  /**
   * The ledger follows the server, not the plan: a 2xx is a success even when a refusal was planned,
   * and a feature route that fails for another reason than access (401/402/403) records an error.
   */
  #unplanned(answer: Answer, what: string, feature: FeatureName, user: SimUser): void {
    this.#deps.stats.surprise(`${what}: ${describeAnswer(answer)}`, answer.status === 0)
    if (ok(answer)) this.#succeeded(user, feature, answer)
    else if (answer.status >= 400 && !ACCESS_REFUSED.has(answer.status))
      this.#deps.book.error(feature, this.#plan)
  }

  async #flushBrowser(user: SimUser): Promise<void> {
    const batch = user.batch
    if (isEmpty(batch)) return
    user.batch = emptyBatch()
    const { client, scenario, stats, book } = this.#deps
    const invalid = chance(this.#faker, scenario.errors.invalidBrowserPointRate)
    const now = Date.now()
    const answer = await client.call('POST', '/v1/metrics', {
      token: user.token,
      body: toOtlp(batch, now - 1000, now, invalid),
    })
    if (!ok(answer)) return stats.surprise(`browser export: ${describeAnswer(answer)}`, answer.status === 0)
    const rejected = (answer.body as { partialSuccess?: { rejectedDataPoints?: number } } | undefined)
      ?.partialSuccess?.rejectedDataPoints
    const expected = invalid ? 1 : 0
    if ((rejected ?? 0) !== expected) {
      stats.surprise(`browser export: ${rejected} points rejected, expected ${expected}`)
    } else if (invalid) {
      stats.plannedBrowserRejects++
    }
    for (const [key, n] of batch.clicks) {
      const [feature, element] = splitClickKey(key)
      book.clicks(feature, element, this.#plan, n)
    }
    for (const [feature, visits] of batch.visits) book.visits(user.index, feature, this.#plan, visits.length)
  }

  /** Returns true when the tenant cancelled. */
  async #endPeriod(): Promise<boolean> {
    const owner = this.#users[0]
    if (!owner) return true
    const { client, scenario, book } = this.#deps
    const rates = periodRates(scenario, this.#plan, book.used)
    const decision = decide(this.#plan, rates, this.#faker.number.float({ min: 0, max: 1 }))
    const from = this.#plan
    if (decision.kind === 'upgrade' || decision.kind === 'downgrade') {
      const answer = await client.call('POST', '/api/billing/plan', {
        token: owner.token,
        body: { plan: decision.to },
      })
      this.#expect(answer, 200, `${decision.kind} ${from} -> ${decision.to}`)
      book.planChanged(from, decision.to)
      this.#plan = decision.to
      this.#fresh = true
      for (const name of this.#interest) {
        if (!this.#deps.catalog.get(name)?.plans.includes(this.#plan)) this.#interest.delete(name)
      }
      return false
    }
    const outcome = decision.kind === 'renew' ? 'retained' : 'churned'
    const answer = await client.call('POST', `/api/billing/${decision.kind}`, { token: owner.token })
    this.#expect(answer, 200, decision.kind)
    book.retention(from, outcome)
    return decision.kind === 'cancel'
  }

  /** Account and billing steps must succeed: without them the tenant's story cannot go on. */
  #expect(answer: Answer, status: number, what: string): unknown {
    if (answer.status === status) return answer.body
    this.#deps.stats.surprise(
      `tenant ${this.#deps.index} ${what}: ${describeAnswer(answer)}`,
      answer.status === 0,
    )
    throw new TenantAborted(what)
  }
}
