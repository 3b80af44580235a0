import type { Attributes, HrTime } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'

/** What the SDK reports for measurements beyond an instrument's cardinality limit. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true })

export interface Cell {
  readonly attributes: Attributes
  readonly startTime: HrTime
}

type Key = string | undefined
type Level = Map<Key, unknown>

/**
 * Finds the aggregation cell for a tuple of attribute values through nested Maps, one level per
 * attribute key. Lookups hash each (usually already hashed) string once and allocate nothing, where
 * the SDK builds and hashes an attribute object per measurement. The attribute object is built
 * once, when a series first appears. An undefined value leaves its key off the series.
 *
 * Like the SDK, at most `limit - 1` series get their own cell; the rest share one overflow cell,
 * and no map grows once the limit is reached, so memory stays bounded.
 */
export class SeriesIndex<C extends Cell> {
  #root: Level = new Map()
  #cells: C[] = []
  #overflow: C | undefined
  #keys: readonly string[]
  #last: number
  #limit: number
  #create: (attributes: Attributes, startTime: HrTime) => C

  #derivedKey: string | undefined

  /**
   * `derivedKey` names an attribute that is a function of the first key (feature.category of
   * feature.name): it is stored on the series but is not a level, saving a lookup per call.
   */
  constructor(
    keys: readonly string[],
    limit: number,
    create: (attributes: Attributes, startTime: HrTime) => C,
    derivedKey?: string,
  ) {
    if (keys.length < 1 || keys.length > 5) throw new RangeError('a series has 1 to 5 attribute keys')
    this.#keys = keys
    this.#last = keys.length - 1
    this.#limit = limit
    this.#create = create
    this.#derivedKey = derivedKey
  }

  at(a: Key, b?: Key, c?: Key, d?: Key, e?: Key, derived?: string): C {
    // Straight-line descent, one level per key: this is the per-event hot path.
    const last = this.#last
    let level: Level | undefined = this.#root
    let leaf = a
    if (last >= 1) {
      level = this.#descend(level, a)
      leaf = b
      if (last >= 2 && level) {
        level = this.#descend(level, b)
        leaf = c
        if (last >= 3 && level) {
          level = this.#descend(level, c)
          leaf = d
          if (last >= 4 && level) {
            level = this.#descend(level, d)
            leaf = e
          }
        }
      }
    }
    if (level === undefined) return this.#overflowCell()
    const found = level.get(leaf) as C | undefined
    return found ?? this.#add(level, leaf, [a, b, c, d, e], derived)
  }

  #descend(level: Level, key: Key): Level | undefined {
    let next = level.get(key) as Level | undefined
    if (next === undefined) {
      if (this.#full()) return undefined
      next = new Map()
      level.set(key, next)
    }
    return next
  }

  #add(level: Level, leaf: Key, values: Key[], derived: string | undefined): C {
    if (this.#full()) return this.#overflowCell()
    const attributes: Attributes = {}
    if (this.#derivedKey !== undefined && derived !== undefined) attributes[this.#derivedKey] = derived
    this.#keys.forEach((key, i) => {
      if (values[i] !== undefined) attributes[key] = values[i]
    })
    const cell = this.#create(attributes, millisToHrTime(Date.now()))
    level.set(leaf, cell)
    this.#cells.push(cell)
    return cell
  }

  /** Every cell, the overflow cell last. */
  cells(): readonly C[] {
    return this.#overflow ? [...this.#cells, this.#overflow] : this.#cells
  }

  #full(): boolean {
    return this.#cells.length >= this.#limit - 1
  }

  #overflowCell(): C {
    this.#overflow ??= this.#create(OVERFLOW_ATTRIBUTES, millisToHrTime(Date.now()))
    return this.#overflow
  }
}
