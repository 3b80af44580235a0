/**
 * Sign-up and login abuse limits, counted by rate-limiter-flexible. With REDIS_URL the counters live
 * in Redis, so every replica enforces one shared limit; without it each process counts in memory.
 * When Redis fails or stalls, each replica falls back to its own in-memory counters (the library's
 * insurance limiter) instead of refusing every sign-in or letting every one through.
 *
 * - sign-ups: `signupsPerIp` per client IP per 10 minutes, successful or not;
 * - logins: failures count, per account (any IP) over 15 minutes and per IP over an hour. While
 *   either is spent, every attempt is refused, the right password too, so guessing gains nothing.
 *   A success clears the account's count and gives its attempt back to the IP.
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible'
import { HttpError } from '../errors.ts'

export interface AuthLimits {
  /** Sign-ups per client IP per SIGNUP_WINDOW_SECONDS. */
  signupsPerIp: number
  /** Wrong passwords per account (from any IP) per LOGIN_ACCOUNT_WINDOW_SECONDS. */
  loginFailuresPerAccount: number
  /** Failed logins per client IP per LOGIN_IP_WINDOW_SECONDS. */
  loginFailuresPerIp: number
}

/**
 * The simulator's default scenario signs up 100 tenants from one address within about a minute, so
 * the sign-up default leaves room for it; a load test beyond that raises SIGNUP_MAX_PER_IP.
 */
export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  signupsPerIp: 120,
  loginFailuresPerAccount: 10,
  loginFailuresPerIp: 100,
}

export const SIGNUP_WINDOW_SECONDS = 600
export const LOGIN_ACCOUNT_WINDOW_SECONDS = 900
export const LOGIN_IP_WINDOW_SECONDS = 3600

/** A Redis command that takes longer than this falls back to the in-memory counters. */
const REDIS_COMMAND_TIMEOUT_MS = 500

/** The limiters' own Redis connection: errors go to the JSON log, never as an unhandled event. */
export const openLimiterRedis = (url: string, logger: Logger): Redis => {
  const redis = new Redis(url, {
    // Fail fast while disconnected, so the insurance limiter answers instead of a queued command.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  })
  redis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'limiter redis error'))
  return redis
}

// Accounts are counted by a hash of the e-mail, so the limiter's keys hold no address.
const accountKey = (email: string) => createHash('sha256').update(email).digest('base64url').slice(0, 22)

const retryAfterOf = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000))

const tooMany = (message: string, retryAfterSeconds: number) =>
  new HttpError(429, 'rate_limited', `${message}: retry in ${retryAfterSeconds} s`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    details: { retryAfterSeconds },
  })

export class AuthThrottle {
  readonly #signupByIp: RateLimiterAbstract
  readonly #loginFailuresByAccount: RateLimiterAbstract
  readonly #loginFailuresByIp: RateLimiterAbstract

  constructor(limits: AuthLimits = DEFAULT_AUTH_LIMITS, redis?: Redis, keyPrefix = 'fa:auth') {
    const limiter = (name: string, points: number, duration: number): RateLimiterAbstract => {
      const options = { keyPrefix: `${keyPrefix}:${name}`, points, duration }
      const memory = new RateLimiterMemory(options)
      return redis
        ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory })
        : memory
    }
    this.#signupByIp = limiter('signup-ip', limits.signupsPerIp, SIGNUP_WINDOW_SECONDS)
    this.#loginFailuresByAccount = limiter(
      'login-fail-account',
      limits.loginFailuresPerAccount,
      LOGIN_ACCOUNT_WINDOW_SECONDS,
    )
    this.#loginFailuresByIp = limiter('login-fail-ip', limits.loginFailuresPerIp, LOGIN_IP_WINDOW_SECONDS)
  }

  /** Counts one sign-up from `ip`; 429 once the IP's budget for the window is spent. */
  async admitSignup(ip: string): Promise<void> {
    try {
      await this.#signupByIp.consume(ip)
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection
      throw tooMany('too many sign-ups from this address', retryAfterOf(rejection))
    }
  }

  /**
   * Counts one login attempt against the account and the IP before the password is checked, so a
   * burst of parallel guesses cannot slip past the limit; 429 once either is spent. A success gives
   * both back (loginSucceeded): only failures use up the budget.
   */
  async admitLogin(ip: string, email: string): Promise<void> {
    const [byAccount, byIp] = await Promise.allSettled([
      this.#loginFailuresByAccount.consume(accountKey(email)),
      this.#loginFailuresByIp.consume(ip),
    ])
    for (const [result, what] of [
      [byAccount, 'this account'],
      [byIp, 'this address'],
    ] as const) {
      if (result.status === 'fulfilled') continue
      if (!(result.reason instanceof RateLimiterRes)) throw result.reason
      throw tooMany(`too many failed logins for ${what}`, retryAfterOf(result.reason))
    }
  }

  async loginSucceeded(ip: string, email: string): Promise<void> {
    await Promise.all([
      this.#loginFailuresByAccount.delete(accountKey(email)),
      this.#loginFailuresByIp.reward(ip),
    ])
  }
}
