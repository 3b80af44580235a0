/** What the route modules share; built once by createApp. */
import type { FeatureTracker } from '@feature-analytics/tracker'
import type { Logger } from 'pino'
import type { SessionOptions } from './auth/session.ts'
import type { AuthThrottle } from './auth/throttle.ts'
import type { Store } from './store/types.ts'

export interface Services {
  store: Store
  tracker: FeatureTracker
  sessions: SessionOptions
  throttle: AuthThrottle
  logger: Logger
  now: () => number
  /** scrypt N for new password hashes (AppOptions.passwordCost). */
  passwordCost: number
  /** Whether feature routes do their synthetic work (AppOptions.featureWork). */
  featureWork: boolean
}
