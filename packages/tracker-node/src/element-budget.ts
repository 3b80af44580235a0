/**
 * Caps the distinct (feature, ui.element) pairs each tenant keeps on merged clicks. The element id
 * comes from a browser, so a crafted page could otherwise mint one series per request; and the cap
 * is per tenant, so one tenant filling its slots leaves every other tenant's untouched. A tenant
 * folded into `_other` keeps no element detail at all (see FeatureAggregator.mergeSum), so at most
 * maxTenants x maxPerTenant element series exist.
 */
export class ElementBudget {
  readonly #seen = new Map<string, Set<string>>()
  readonly #maxPerTenant: number

  constructor(maxPerTenant: number) {
    this.#maxPerTenant = maxPerTenant
  }

  admit(tenant: string, feature: string, element: string): boolean {
    let pairs = this.#seen.get(tenant)
    if (!pairs) {
      pairs = new Set()
      this.#seen.set(tenant, pairs)
    }
    const pair = `${feature}\u0000${element}`
    if (pairs.has(pair)) return true
    if (pairs.size >= this.#maxPerTenant) return false
    pairs.add(pair)
    return true
  }

  /** Forgets the elements of tenants whose budget slots were released. */
  forget(tenants: readonly string[]): void {
    for (const tenant of tenants) this.#seen.delete(tenant)
  }
}
