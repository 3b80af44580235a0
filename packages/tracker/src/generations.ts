/**
 * A bounded map keyed by (outer, inner) strings that forgets what was used least recently, roughly:
 * entries live in a young and an old generation; reading an old entry moves it to the young one,
 * and when the young one is half full, the old one is dropped and the young one becomes old.
 * Every operation is O(1) and a hit in the young generation is a plain Map update, unlike a strict
 * LRU that re-inserts on every access. Nested Maps avoid building a combined key string per call.
 */
export class Generations<V> {
  #young = new Map<string, Map<string, V>>()
  #old = new Map<string, Map<string, V>>()
  #youngSize = 0
  #oldSize = 0
  #half: number
  #evicted = 0

  constructor(maxEntries: number) {
    this.#half = Math.max(1, Math.floor(maxEntries / 2))
  }

  get size(): number {
    return this.#youngSize + this.#oldSize
  }

  /** Entries forgotten to stay within maxEntries. */
  get evicted(): number {
    return this.#evicted
  }

  get(outer: string, inner: string): V | undefined {
    const young = this.#young.get(outer)?.get(inner)
    if (young !== undefined) return young
    const old = this.#takeOld(outer, inner)
    if (old !== undefined) this.#insert(outer, inner, old)
    return old
  }

  /** Adds n to a numeric entry (missing = 0) and returns the sum, touching each Map once on a hit. */
  increment(this: Generations<number>, outer: string, inner: string, n: number): number {
    const byInner = this.#young.get(outer)
    const current = byInner?.get(inner)
    if (current !== undefined) {
      byInner?.set(inner, current + n)
      return current + n
    }
    // Not young: promote the old count (if any) with the sum in one insert.
    const count = (this.#takeOld(outer, inner) ?? 0) + n
    this.#insert(outer, inner, count)
    return count
  }

  /** Sets a value; call after get() so a present key is in the young generation. */
  set(outer: string, inner: string, value: V): void {
    const byInner = this.#young.get(outer)
    if (byInner?.has(inner)) byInner.set(inner, value)
    else this.#insert(outer, inner, value)
  }

  delete(outer: string, inner: string): void {
    if (this.#young.get(outer)?.delete(inner)) this.#youngSize--
    if (this.#old.get(outer)?.delete(inner)) this.#oldSize--
  }

  /** Removes and returns an old-generation entry, to be inserted young by the caller. */
  #takeOld(outer: string, inner: string): V | undefined {
    const byInner = this.#old.get(outer)
    const value = byInner?.get(inner)
    if (value !== undefined) {
      byInner?.delete(inner)
      this.#oldSize--
    }
    return value
  }

  #insert(outer: string, inner: string, value: V): void {
    if (this.#youngSize >= this.#half) {
      this.#evicted += this.#oldSize
      this.#old = this.#young
      this.#oldSize = this.#youngSize
      this.#young = new Map()
      this.#youngSize = 0
    }
    let byInner = this.#young.get(outer)
    if (byInner === undefined) {
      byInner = new Map()
      this.#young.set(outer, byInner)
    }
    byInner.set(inner, value)
    this.#youngSize++
  }
}
