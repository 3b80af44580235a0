import { ATTR, isPlan } from '@feature-analytics/schema'
import type { Attributes } from '@opentelemetry/api'
import { BoundariesMismatchError, MergeError } from './merge-error.ts'

/** An explicit-bucket histogram point, as the browser tracker's delta export carries it. */
export interface HistogramPoint {
  boundaries: readonly number[]
  bucketCounts: readonly number[]
  count: number
  sum: number
  min?: number
  max?: number
}

export interface MergeRules {
  /** Keys a point may carry, and those it must carry. */
  allowed: readonly string[]
  required: readonly string[]
  /** Keys accepted but not kept (tenant.id on histograms). */
  ignored: readonly string[]
  maxValueLength: number
  features: ReadonlySet<string> | undefined
  /** Values of these keys must match (ui.element ids are code identifiers in a page, not user text). */
  patterns: Readonly<Record<string, RegExp>>
}

export const UI_ELEMENT_PATTERN = /^[A-Za-z0-9][\w.:-]{0,63}$/

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** Checks a point's attributes and returns them as plain strings, or throws MergeError. */
export function checkAttributes(attributes: unknown, rules: MergeRules): Record<string, string> {
  if (typeof attributes !== 'object' || attributes === null) {
    throw new MergeError('invalid_point', 'attributes must be an object')
  }
  const checked: Record<string, string> = {}
  for (const [key, value] of Object.entries(attributes as Attributes)) {
    // OpenTelemetry attributes allow undefined values; they mean "absent".
    if (value === undefined || rules.ignored.includes(key)) continue
    if (!rules.allowed.includes(key))
      throw new MergeError('unknown_attribute', `attribute ${key} is not accepted`)
    if (typeof value !== 'string' || value.length === 0) {
      throw new MergeError('invalid_value', `attribute ${key} must be a non-empty string`)
    }
    if (value.length > rules.maxValueLength) {
      throw new MergeError('value_too_long', `attribute ${key} is longer than ${rules.maxValueLength}`)
    }
    checked[key] = value
  }
  for (const [key, pattern] of Object.entries(rules.patterns)) {
    const value = checked[key]
    if (value !== undefined && !pattern.test(value))
      throw new MergeError('invalid_value', `attribute ${key} must match ${pattern}`)
  }
  for (const key of rules.required) {
    if (checked[key] === undefined) throw new MergeError('invalid_point', `attribute ${key} is required`)
  }
  const plan = checked[ATTR.userPlan]
  if (plan !== undefined && !isPlan(plan)) throw new MergeError('unknown_plan', `unknown plan ${plan}`)
  const feature = checked[ATTR.featureName]
  if (feature !== undefined && rules.features && !rules.features.has(feature)) {
    throw new MergeError('unknown_feature', `unknown feature ${feature}`)
  }
  return checked
}

export function checkDelta(delta: unknown): number {
  if (!isCount(delta)) throw new MergeError('invalid_value', 'a sum delta must be a non-negative integer')
  return delta
}

export function checkHistogram(point: unknown, boundaries: readonly number[]): HistogramPoint {
  if (typeof point !== 'object' || point === null)
    throw new MergeError('invalid_point', 'point must be an object')
  const p = point as Partial<Record<keyof HistogramPoint, unknown>>
  const given = p.boundaries
  if (
    !Array.isArray(given) ||
    given.length !== boundaries.length ||
    given.some((b, i) => b !== boundaries[i])
  ) {
    throw new BoundariesMismatchError(`bucket boundaries must be [${boundaries.join(', ')}]`)
  }
  const counts = p.bucketCounts
  if (!Array.isArray(counts) || counts.length !== boundaries.length + 1 || !counts.every(isCount)) {
    throw new MergeError(
      'invalid_point',
      `bucketCounts must be ${boundaries.length + 1} non-negative integers`,
    )
  }
  const total = counts.reduce((a: number, b: number) => a + b, 0)
  if (!isCount(p.count) || p.count !== total) {
    throw new MergeError('invalid_point', 'count must equal the sum of bucketCounts')
  }
  if (!isFiniteNumber(p.sum) || p.sum < 0)
    throw new MergeError('invalid_point', 'sum must be a finite, non-negative number')
  for (const bound of ['min', 'max'] as const) {
    const v = p[bound]
    if (v !== undefined && (!isFiniteNumber(v) || v < 0)) {
      throw new MergeError('invalid_point', `${bound} must be a finite, non-negative number`)
    }
  }
  if (typeof p.min === 'number' && typeof p.max === 'number' && p.min > p.max) {
    throw new MergeError('invalid_point', 'min must not exceed max')
  }
  return {
    boundaries,
    bucketCounts: counts,
    count: p.count,
    sum: p.sum,
    min: p.min as number | undefined,
    max: p.max as number | undefined,
  }
}
