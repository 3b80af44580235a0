/** The contract each feature module fulfils: one handler per catalog entry it owns. */
import type { Context } from 'koa'
import type { FeatureName } from '../../catalog.ts'

export type FeatureHandler = (ctx: Context) => Promise<void>
export type FeatureHandlers<K extends FeatureName> = Record<K, FeatureHandler>

export const isoNow = (now: () => number): string => new Date(now()).toISOString()
