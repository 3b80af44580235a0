import type { Context } from '@opentelemetry/api'

/**
 * An OpenTelemetry Context as a chain of links, one (key, value) pair each. The API's own
 * implementation copies its whole Map and builds three closures for every `setValue`, and every
 * request pays that for its server span (`trace.setSpan`); here `setValue` allocates one small
 * object, and `getValue` walks a chain as long as the values set on it (a span, baggage: a few).
 * Immutable like the API's: a context never changes once built.
 */
class LinkedContext implements Context {
  readonly parent: LinkedContext | undefined
  readonly key: symbol | undefined
  readonly value: unknown

  constructor(parent: LinkedContext | undefined, key: symbol | undefined, value: unknown) {
    this.parent = parent
    this.key = key
    this.value = value
  }

  getValue(key: symbol): unknown {
    for (let link: LinkedContext | undefined = this; link !== undefined; link = link.parent) {
      if (link.key === key) return link.value
    }
    return undefined
  }

  setValue(key: symbol, value: unknown): Context {
    return new LinkedContext(this, key, value)
  }

  /** A later link holding undefined hides every earlier value of the key. */
  deleteValue(key: symbol): Context {
    return this.getValue(key) === undefined ? this : new LinkedContext(this, key, undefined)
  }
}

/** The empty context each request's server span starts from (in place of the API's ROOT_CONTEXT). */
export const REQUEST_ROOT: Context = new LinkedContext(undefined, undefined, undefined)
