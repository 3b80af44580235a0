/**
 * A token bucket per key (the user): `burst` requests at once, refilled at `ratePerSecond`. Buckets
 * that have refilled completely carry no information, so they are forgotten when the map grows.
 */
export interface RateDecision {
  allowed: boolean
  /** Whole seconds until one request is allowed again (Retry-After). */
  retryAfterSeconds: number
}

interface Bucket {
  tokens: number
  updatedAt: number
}

export class TokenBucketLimiter {
  readonly #buckets = new Map<string, Bucket>()
  readonly #ratePerMs: number
  readonly #burst: number
  readonly #maxKeys: number

  constructor(options: { ratePerSecond: number; burst: number; maxKeys?: number }) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
      throw new RangeError('rate and burst must be positive')
    this.#ratePerMs = options.ratePerSecond / 1000
    this.#burst = options.burst
    this.#maxKeys = options.maxKeys ?? 100_000
  }

  take(key: string, now: number): RateDecision {
    const bucket = this.#refilled(key, now)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { allowed: true, retryAfterSeconds: 0 }
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#ratePerMs / 1000)),
    }
  }

  #refilled(key: string, now: number): Bucket {
    let bucket = this.#buckets.get(key)
    if (!bucket) {
      if (this.#buckets.size >= this.#maxKeys) this.#forgetFull(now)
      bucket = { tokens: this.#burst, updatedAt: now }
      this.#buckets.set(key, bucket)
      return bucket
    }
    const elapsed = Math.max(0, now - bucket.updatedAt)
    bucket.tokens = Math.min(this.#burst, bucket.tokens + elapsed * this.#ratePerMs)
    bucket.updatedAt = now
    return bucket
  }

  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#ratePerMs >= this.#burst) this.#buckets.delete(key)
    }
    // Every bucket is in use: drop the oldest rather than grow without bound.
    if (this.#buckets.size >= this.#maxKeys) {
      const oldest = this.#buckets.keys().next()
      if (!oldest.done) this.#buckets.delete(oldest.value)
    }
  }
}
