/**
 * Caps the distinct ui.element values kept per feature on merged clicks. The element id comes from
 * a browser, so a crafted page could otherwise mint one series per request.
 */
export class ElementBudget {
  readonly #seen = new Map<string, Set<string>>()
  readonly #maxPerFeature: number

  constructor(maxPerFeature: number) {
    this.#maxPerFeature = maxPerFeature
  }

  admit(feature: string, element: string): boolean {
    let elements = this.#seen.get(feature)
    if (!elements) {
      elements = new Set()
      this.#seen.set(feature, elements)
    }
    if (elements.has(element)) return true
    if (elements.size >= this.#maxPerFeature) return false
    elements.add(element)
    return true
  }
}
