/**
 * The first `maxTenants` tenants seen keep their own `tenant.id`; later ones share `_other`, so a
 * tenant explosion cannot explode the number of metric series. One budget is shared by everything
 * that labels by tenant (the tracker's usage, tracker-node's merged clicks), so a tenant keeps its
 * own series everywhere or folds everywhere.
 */
export class TenantBudget {
  #seen = new Set<string>()
  #max: number

  constructor(maxTenants: number) {
    this.#max = maxTenants
  }

  /** True when the tenant has, or still gets, a series of its own. */
  admit(tenantId: string): boolean {
    if (this.#seen.has(tenantId)) return true
    if (this.#seen.size >= this.#max) return false
    this.#seen.add(tenantId)
    return true
  }

  get size(): number {
    return this.#seen.size
  }
}
