/**
 * One tenant, played as a sequential actor: sign up, add members, then period after period its
 * users' sessions (think time compressed to nothing), their browser exports, and the billing event
 * that ends the period. Every random choice comes from the tenant's own seeded faker, in an order
 * that only depends on the scenario and on the server's answers to this tenant, so running tenants
 * concurrently cannot change what any of them does.
 */
import { exponentialDistributor, type Faker } from '@faker-js/faker'
import { PLANS, type Plan } from '@feature-analytics/schema'
import { decide, periodRates } from './billing.ts'
import type { TenantBook } from './book.ts'
import { type BrowserBatch, emptyBatch, isEmpty, recordVisit, splitClickKey, toOtlp } from './browser.ts'
import { type Answer, type ApiClient, describeAnswer } from './client.ts'
import {
  type CallInput,
  FEATURE_INPUTS,
  type FeatureName,
  NEEDS_DASHBOARD,
  type TenantContext,
} from './features.ts'
import type { Scenario } from './scenario.ts'
import type { Stats } from './stats.ts'

export interface CatalogEntry {
  name: FeatureName
  plans: readonly Plan[]
  method: string
  path: string
}

export interface TenantDeps {
  index: number
  scenario: Scenario
  faker: Faker
  client: ApiClient
  catalog: ReadonlyMap<FeatureName, CatalogEntry>
  book: TenantBook
  stats: Stats
  /** Unique per run, only in e-mail addresses, so reruns against one API do not collide. */
  runTag: string
  /** Called as each period completes (or is skipped after a cancellation). */
  periodDone: () => void
}

interface SimUser {
  index: number
  token: string
  /** Heavy-tailed activity multiplier: most users near 1, a few power users far above. */
  weight: number
  batch: BrowserBatch
}

class TenantAborted extends Error {}

/** Refused before the feature ran: not feature usage (docs/interfaces.md). */
const ACCESS_REFUSED: ReadonlySet<number> = new Set([401, 402, 403])

const ok = (answer: Answer) => answer.status >= 200 && answer.status < 300

export class TenantActor {
  readonly #d: TenantDeps
  readonly #f: Faker
  #plan: Plan = 'free'
  #users: SimUser[] = []
  #interest = new Set<FeatureName>()
  #fresh = true
  readonly #ctx: TenantContext = { dashboards: [] }

  constructor(deps: TenantDeps) {
    this.#d = deps
    this.#f = deps.faker
  }

  async run(): Promise<void> {
    const { scenario } = this.#d
    let period = 0
    try {
      await this.#signUp()
      for (; period < scenario.periods; period++) {
        this.#discover()
        for (const user of this.#users) await this.#playPeriod(user, period)
        const cancelled = await this.#endPeriod()
        this.#d.periodDone()
        if (cancelled) {
          period++
          break
        }
      }
    } catch (error) {
      if (!(error instanceof TenantAborted)) throw error
    } finally {
      for (; period < scenario.periods; period++) this.#d.periodDone()
    }
  }

  async #signUp(): Promise<void> {
    const { scenario, index, runTag, client } = this.#d
    const f = this.#f
    this.#plan = f.helpers.weightedArrayElement(
      PLANS.filter((plan) => scenario.plans[plan].share > 0).map((plan) => ({
        weight: scenario.plans[plan].share,
        value: plan,
      })),
    )
    const { min, max, bias } = scenario.plans[this.#plan].users
    const size = f.number.int({
      min,
      max,
      ...(bias === undefined ? {} : { distributor: exponentialDistributor({ bias }) }),
    })
    const password = f.internet.password({ length: 16 })
    const people = Array.from({ length: size }, (_, i) => ({
      name: f.person.fullName(),
      // Synthetic and unique; never printed or recorded.
      email: `sim-${runTag}-t${index}-u${i}@example.com`,
      weight: this.#paretoWeight(),
    }))
    const company = f.company.name()

    const [owner, ...members] = people
    if (!owner) return
    const signup = await client.call('POST', '/api/signup', {
      body: { company, name: owner.name, email: owner.email, password, plan: this.#plan },
    })
    const ownerToken = this.#expect(signup, 201, 'signup') as { token: string }
    this.#users.push({ index: 0, token: ownerToken.token, weight: owner.weight, batch: emptyBatch() })
    for (const [i, member] of members.entries()) {
      const created = await client.call('POST', '/api/users', {
        token: ownerToken.token,
        body: { name: member.name, email: member.email, password },
      })
      this.#expect(created, 201, 'add member')
      const login = await client.call('POST', '/api/login', { body: { email: member.email, password } })
      const { token } = this.#expect(login, 200, 'member login') as { token: string }
      this.#users.push({ index: i + 1, token, weight: member.weight, batch: emptyBatch() })
    }
  }

  #paretoWeight(): number {
    const { paretoAlpha, maxMultiplier } = this.#d.scenario.activity
    const u = this.#f.number.float({ min: 0, max: 1 })
    return Math.min(maxMultiplier, (1 - u) ** (-1 / paretoAlpha))
  }

  /** Takes up features of the current plan: all at once when the plan is new, then one by one. */
  #discover(): void {
    const affinity = this.#d.scenario.plans[this.#plan].affinity
    const chance = this.#fresh ? 1 : this.#d.scenario.activity.discoveryPerPeriod
    for (const entry of this.#d.catalog.values()) {
      if (!entry.plans.includes(this.#plan) || this.#interest.has(entry.name)) continue
      const a = affinity[entry.name] ?? 0
      if (a > 0 && this.#f.number.float({ min: 0, max: 1 }) < a * chance) this.#interest.add(entry.name)
    }
    this.#fresh = false
  }

  async #playPeriod(user: SimUser, period: number): Promise<void> {
    const { activity } = this.#d.scenario
    const growth = (1 + activity.growthPerPeriod) ** period
    const sessions = Math.round(this.#f.number.int(activity.sessionsPerPeriod) * user.weight * growth)
    for (let s = 0; s < sessions; s++) {
      const actions = this.#f.number.int(activity.actionsPerSession)
      for (let a = 0; a < actions; a++) await this.#act(user)
    }
    await this.#flushBrowser(user)
  }

  async #act(user: SimUser): Promise<void> {
    const { errors, browser } = this.#d.scenario
    const f = this.#f
    const gated = [...this.#d.catalog.values()].filter((e) => !e.plans.includes(this.#plan))
    if (gated.length > 0 && f.number.float({ min: 0, max: 1 }) < errors.gatedCallRate) {
      const entry = f.helpers.arrayElement(gated)
      const answer = await this.#call(user, entry, FEATURE_INPUTS[entry.name].valid(f, this.#ctx))
      if (answer.status === 403) this.#d.stats.plannedGated++
      else this.#unplanned(answer, `gated ${entry.name} on ${this.#plan}`, entry.name, user)
      return
    }
    let feature = this.#pickFeature()
    if (!feature) return
    if (NEEDS_DASHBOARD.has(feature) && this.#ctx.dashboards.length === 0) feature = 'dashboard_create'
    const entry = this.#d.catalog.get(feature)
    if (!entry?.plans.includes(this.#plan)) return
    const invalid = f.number.float({ min: 0, max: 1 }) < errors.invalidInputRate
    const input = invalid
      ? FEATURE_INPUTS[feature].invalid(f, this.#ctx)
      : FEATURE_INPUTS[feature].valid(f, this.#ctx)
    if (f.number.float({ min: 0, max: 1 }) < browser.engagement) {
      const clicks = f.number.int(browser.clicksPerVisit)
      const elements = Array.from({ length: clicks }, () =>
        f.helpers.arrayElement(FEATURE_INPUTS[feature].elements),
      )
      recordVisit(user.batch, feature, elements, f.number.int(browser.secondsPerVisit) * 1000)
    }
    const answer = await this.#call(user, entry, input)
    if (invalid) {
      if (answer.status === 400) {
        this.#d.stats.plannedInvalid++
        this.#d.book.error(feature, this.#plan)
      } else this.#unplanned(answer, `invalid ${feature}`, feature, user)
    } else if (ok(answer)) {
      this.#succeeded(user, feature, answer)
    } else {
      this.#unplanned(answer, feature, feature, user)
    }
  }

  #pickFeature(): FeatureName | undefined {
    const affinity = this.#d.scenario.plans[this.#plan].affinity
    const choices = [...this.#interest]
      .filter((name) => this.#d.catalog.get(name)?.plans.includes(this.#plan))
      .map((name) => ({ value: name, weight: Math.max(affinity[name] ?? 0, 0.05) }))
    return choices.length === 0 ? undefined : this.#f.helpers.weightedArrayElement(choices)
  }

  #call(user: SimUser, entry: CatalogEntry, input: CallInput): Promise<Answer> {
    const path = entry.path.replace(/:(\w+)/g, (_, name: string) =>
      encodeURIComponent(input.params?.[name] ?? ''),
    )
    return this.#d.client.call(entry.method, path, {
      token: user.token,
      ...(input.body === undefined ? {} : { body: input.body }),
      ...(input.query === undefined ? {} : { query: input.query }),
    })
  }

  #succeeded(user: SimUser, feature: FeatureName, answer: Answer): void {
    this.#d.book.success(user.index, feature, this.#plan)
    if (feature === 'dashboard_create') {
      const id = (answer.body as { dashboard?: { id?: string } } | undefined)?.dashboard?.id
      if (id) this.#ctx.dashboards.push(id)
    }
  }

  /**
   * The ledger follows the server, not the plan: a 2xx is a success even when a refusal was planned,
   * and a feature route that fails for another reason than access (401/402/403) records an error.
   */
  #unplanned(answer: Answer, what: string, feature: FeatureName, user: SimUser): void {
    this.#d.stats.surprise(`${what}: ${describeAnswer(answer)}`)
    if (ok(answer)) this.#succeeded(user, feature, answer)
    else if (answer.status >= 400 && !ACCESS_REFUSED.has(answer.status))
      this.#d.book.error(feature, this.#plan)
  }

  async #flushBrowser(user: SimUser): Promise<void> {
    const batch = user.batch
    if (isEmpty(batch)) return
    user.batch = emptyBatch()
    const invalid = this.#f.number.float({ min: 0, max: 1 }) < this.#d.scenario.errors.invalidBrowserPointRate
    const now = Date.now()
    const answer = await this.#d.client.call('POST', '/v1/metrics', {
      token: user.token,
      body: toOtlp(batch, now - 1000, now, invalid),
    })
    if (!ok(answer)) return this.#d.stats.surprise(`browser export: ${describeAnswer(answer)}`)
    const rejected = (answer.body as { partialSuccess?: { rejectedDataPoints?: number } } | undefined)
      ?.partialSuccess?.rejectedDataPoints
    const expected = invalid ? 1 : 0
    if ((rejected ?? 0) !== expected) {
      this.#d.stats.surprise(`browser export: ${rejected} points rejected, expected ${expected}`)
    } else if (invalid) {
      this.#d.stats.plannedBrowserRejects++
    }
    for (const [key, n] of batch.clicks) {
      const [feature, element] = splitClickKey(key)
      this.#d.book.clicks(feature, element, this.#plan, n)
    }
    for (const [feature, visits] of batch.visits) this.#d.book.visits(feature, this.#plan, visits.length)
  }

  /** Returns true when the tenant cancelled. */
  async #endPeriod(): Promise<boolean> {
    const owner = this.#users[0]
    if (!owner) return true
    const rates = periodRates(this.#d.scenario, this.#plan, this.#d.book.used)
    const decision = decide(this.#plan, rates, this.#f.number.float({ min: 0, max: 1 }))
    const from = this.#plan
    if (decision.kind === 'upgrade' || decision.kind === 'downgrade') {
      const answer = await this.#d.client.call('POST', '/api/billing/plan', {
        token: owner.token,
        body: { plan: decision.to },
      })
      this.#expect(answer, 200, `${decision.kind} ${from} -> ${decision.to}`)
      this.#d.book.planChanged(from, decision.to)
      this.#plan = decision.to
      this.#fresh = true
      for (const name of this.#interest) {
        if (!this.#d.catalog.get(name)?.plans.includes(this.#plan)) this.#interest.delete(name)
      }
      return false
    }
    const outcome = decision.kind === 'renew' ? 'retained' : 'churned'
    const answer = await this.#d.client.call('POST', `/api/billing/${decision.kind}`, { token: owner.token })
    this.#expect(answer, 200, decision.kind)
    this.#d.book.retention(from, outcome)
    return decision.kind === 'cancel'
  }

  /** Account and billing steps must succeed: without them the tenant's story cannot go on. */
  #expect(answer: Answer, status: number, what: string): unknown {
    if (answer.status === status) return answer.body
    this.#d.stats.surprise(`tenant ${this.#d.index} ${what}: ${describeAnswer(answer)}`)
    throw new TenantAborted(what)
  }
}
