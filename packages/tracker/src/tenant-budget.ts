/**
 * The tenants with a `tenant.id` series of their own; the rest share `_other`, so a tenant explosion
 * cannot explode the number of metric series. One budget is shared by everything that labels by
 * tenant (the tracker's usage, tracker-node's merged clicks), so a tenant keeps its own series
 * everywhere or folds everywhere.
 *
 * Without `idleMillis` the first `maxTenants` tenants seen keep their slots for the life of the
 * process. With it, a tenant that recorded nothing for `idleMillis` gives its slot back when a new
 * tenant needs one: listeners (`onRelease`) then remove its series, whose last values have been
 * exported unchanged for all that time, and it gets a fresh slot, restarting from 0 (a counter
 * reset), if it comes back. So at most `maxTenants` tenants have series at any time, and the first
 * ones cannot keep later ones out once they go quiet.
 */
export interface TenantBudgetOptions {
  /** Release a tenant's slot after this long without a recorded event. Default: never. */
  idleMillis?: number
  /** Clock (ms); tests pass their own. */
  now?: () => number
}

export class TenantBudget {
  /** Tenant -> when it last recorded (left at 0 when slots are never released). */
  #seen = new Map<string, { last: number }>()
  #max: number
  #idle: number | undefined
  #now: () => number
  /** The clock, read once a second rather than once per event (the per-event path stays a lookup). */
  #clock = 0
  #listeners: ((tenants: readonly string[]) => void)[] = []
  #released = 0
  /** No tenant can be idle before this: spares a scan per event while every slot is busy. */
  #noneIdleBefore = 0

  constructor(maxTenants: number, options: TenantBudgetOptions = {}) {
    if (!Number.isSafeInteger(maxTenants) || maxTenants < 0)
      throw new RangeError(`maxTenants must be a non-negative integer, got ${String(maxTenants)}`)
    const idle = options.idleMillis
    if (idle !== undefined && !(Number.isFinite(idle) && idle > 0))
      throw new RangeError(`idleMillis must be a positive number, got ${String(idle)}`)
    this.#max = maxTenants
    this.#idle = idle
    if (idle === undefined) {
      this.#now = () => 0
    } else if (options.now) {
      const now = options.now
      this.#now = now
    } else {
      this.#clock = Date.now()
      // Unref'd: a budget never keeps a process alive. A second is nothing next to an idle time.
      setInterval(() => {
        this.#clock = Date.now()
      }, 1000).unref()
      this.#now = () => this.#clock
    }
  }

  /** True when the tenant has, or still gets, a series of its own. */
  admit(tenantId: string): boolean {
    const seen = this.#seen.get(tenantId)
    if (seen !== undefined) {
      if (this.#idle !== undefined) seen.last = this.#now()
      return true
    }
    if (this.#seen.size >= this.#max) {
      if (this.#idle === undefined || !this.#releaseIdle(this.#now(), this.#idle)) return false
    }
    this.#seen.set(tenantId, { last: this.#now() })
    return true
  }

  /** Called with the tenants whose slots were released, so their series can go. */
  onRelease(listener: (tenants: readonly string[]) => void): void {
    this.#listeners.push(listener)
  }

  get size(): number {
    return this.#seen.size
  }

  /** Slots given back by idle tenants so far. */
  get released(): number {
    return this.#released
  }

  /** Releases every tenant idle for `idle` ms; true if a slot is free now. */
  #releaseIdle(now: number, idle: number): boolean {
    if (now < this.#noneIdleBefore) return false
    const gone: string[] = []
    let oldest = now
    for (const [tenant, { last }] of this.#seen) {
      if (now - last >= idle) gone.push(tenant)
      else if (last < oldest) oldest = last
    }
    this.#noneIdleBefore = oldest + idle
    if (gone.length === 0) return false
    for (const tenant of gone) this.#seen.delete(tenant)
    this.#released += gone.length
    for (const listener of this.#listeners) listener(gone)
    return true
  }
}
