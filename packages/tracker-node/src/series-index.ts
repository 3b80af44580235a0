import type { Attributes, HrTime } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'

/** What the SDK reports for measurements beyond an instrument's cardinality limit. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true })

export interface Cell {
  readonly attributes: Attributes
  readonly startTime: HrTime
}

/**
 * A new series' start time: one millisecond before its first measurement. Prometheus stores a zero
 * at a series' start (created-timestamp-zero-ingestion) only when the start is before the sample's
 * time, and a series first used in the millisecond of a collection would start at the collection's
 * own time: no zero, so increase() over a window would miss its first value.
 */
const startNow = (): HrTime => millisToHrTime(Date.now() - 1)

type Value = string | undefined
type Level = Map<Value, unknown>

/** A point's attributes by key; an undefined value leaves its key off the series. */
export type SeriesAttributes = Readonly<Record<string, Value>>

/**
 * Finds the aggregation cell for a point's attributes through nested Maps, one level per indexed
 * key, reading each value by its key name, so no caller can pass values in the wrong order.
 * Lookups hash each (usually already hashed) string once and allocate nothing, where the SDK
 * builds and hashes an attribute object per measurement. The series' own attribute object is
 * built once, when the series first appears.
 *
 * Like the SDK, at most `limit - 1` series get their own cell; the rest share one overflow cell,
 * and no map grows once the limit is reached, so memory stays bounded.
 */
export class SeriesIndex<C extends Cell> {
  #root: Level = new Map()
  #cells: C[] = []
  #overflow: C | undefined
  /** Keys that identify a series, one Map level each. */
  #indexed: readonly string[]
  #last: number
  /** Every key a series carries (the indexed ones and those stored with them). */
  #stored: readonly string[]
  #limit: number
  #create: (attributes: Attributes, startTime: HrTime) => C

  /**
   * `attributes` lists every key of a series; those in `storedOnly` follow from an indexed key
   * (feature.category from feature.name), so they are kept on the series but are not a level,
   * saving a lookup per call.
   */
  constructor(
    attributes: readonly string[],
    limit: number,
    create: (attributes: Attributes, startTime: HrTime) => C,
    storedOnly: readonly string[] = [],
  ) {
    const indexed = attributes.filter((key) => !storedOnly.includes(key))
    if (indexed.length < 1 || indexed.length > 5)
      throw new RangeError('a series has 1 to 5 indexed attribute keys')
    this.#indexed = indexed
    this.#last = indexed.length - 1
    this.#stored = attributes
    this.#limit = limit
    this.#create = create
  }

  at(attributes: SeriesAttributes): C {
    // Straight-line descent, one level per key: this is the per-event hot path. Each read below is
    // its own load site, so V8 keeps the sites apart instead of sending one shared site megamorphic.
    const keys = this.#indexed as readonly [string, string?, string?, string?, string?]
    const last = this.#last
    let level: Level | undefined = this.#root
    let leaf = attributes[keys[0]]
    if (last >= 1) {
      level = this.#descend(level, leaf)
      leaf = attributes[keys[1] as string]
      if (last >= 2 && level) {
        level = this.#descend(level, leaf)
        leaf = attributes[keys[2] as string]
        if (last >= 3 && level) {
          level = this.#descend(level, leaf)
          leaf = attributes[keys[3] as string]
          if (last >= 4 && level) {
            level = this.#descend(level, leaf)
            leaf = attributes[keys[4] as string]
          }
        }
      }
    }
    if (level === undefined) return this.#overflowCell()
    const found = level.get(leaf) as C | undefined
    return found ?? this.#add(level, leaf, attributes)
  }

  #descend(level: Level, value: Value): Level | undefined {
    let next = level.get(value) as Level | undefined
    if (next === undefined) {
      if (this.#full()) return undefined
      next = new Map()
      level.set(value, next)
    }
    return next
  }

  #add(level: Level, leaf: Value, given: SeriesAttributes): C {
    if (this.#full()) return this.#overflowCell()
    // A copy of the keys this series carries: the caller's object is not kept.
    const attributes: Attributes = {}
    for (const key of this.#stored) {
      const value = given[key]
      if (value !== undefined) attributes[key] = value
    }
    const cell = this.#create(attributes, startNow())
    level.set(leaf, cell)
    this.#cells.push(cell)
    return cell
  }

  /**
   * Drops the series whose `key` is one of `values` (a tenant whose slot was released), rebuilding
   * the lookup tree from the cells that stay. Rare (at most once per release), so O(series) is fine.
   */
  removeWhere(key: string, values: ReadonlySet<string>): void {
    const kept = this.#cells.filter((cell) => !values.has(cell.attributes[key] as string))
    if (kept.length === this.#cells.length) return
    this.#cells = kept
    this.#root = new Map()
    for (const cell of kept) {
      let level = this.#root
      for (const indexed of this.#indexed.slice(0, -1)) {
        const value = cell.attributes[indexed] as Value
        let next = level.get(value) as Level | undefined
        if (next === undefined) {
          next = new Map()
          level.set(value, next)
        }
        level = next
      }
      level.set(cell.attributes[this.#indexed[this.#last] as string] as Value, cell)
    }
  }

  /** Every cell, the overflow cell last. */
  cells(): readonly C[] {
    return this.#overflow ? [...this.#cells, this.#overflow] : this.#cells
  }

  #full(): boolean {
    return this.#cells.length >= this.#limit - 1
  }

  #overflowCell(): C {
    this.#overflow ??= this.#create(OVERFLOW_ATTRIBUTES, startNow())
    return this.#overflow
  }
}
