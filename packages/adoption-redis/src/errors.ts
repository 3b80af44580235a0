/** A Redis call the store made failed (connection, timeout, unexpected reply); `cause` has Redis' error. */
export class RedisAdoptionStoreError extends Error {
  override name = 'RedisAdoptionStoreError'
  readonly operation: string

  constructor(operation: string, message: string, options?: { cause?: unknown }) {
    super(`${operation}: ${message}`, options)
    this.operation = operation
  }
}

/** The store was constructed with options it cannot work with. */
export class RedisStoreConfigError extends Error {
  override name = 'RedisStoreConfigError'
}
