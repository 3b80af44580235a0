import { ADOPTION_STAGES, type AdoptionStage, type AdoptionThresholds } from '@feature-analytics/schema'
import { TrackerConfigError } from './errors.ts'

const NONE: readonly AdoptionStage[] = []

/**
 * The stages a count crossed when it rose by `n` to `newCount`: every threshold t with
 * `newCount - n < t <= newCount`. Each add owns a disjoint slice of the count line, so with an
 * atomic add every (user, feature, stage) fires exactly once, however adds interleave or jump.
 */
export function stagesCrossed(
  thresholds: AdoptionThresholds,
  newCount: number,
  n: number,
): readonly AdoptionStage[] {
  const from = newCount - n
  // Most adds cross nothing; answer those without allocating.
  if (!ADOPTION_STAGES.some((s) => from < thresholds[s] && thresholds[s] <= newCount)) return NONE
  return ADOPTION_STAGES.filter((s) => from < thresholds[s] && thresholds[s] <= newCount)
}

export function checkThresholds(thresholds: unknown): AdoptionThresholds {
  if (typeof thresholds !== 'object' || thresholds === null) {
    throw new TrackerConfigError('thresholds must be an object of stage -> count')
  }
  const record = thresholds as Record<string, unknown>
  let previous = 0
  for (const stage of ADOPTION_STAGES) {
    const t = record[stage]
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t <= previous) {
      throw new TrackerConfigError(
        `thresholds.${stage} must be an integer above the previous stage's (${previous}), got ${String(t)}`,
      )
    }
    previous = t
  }
  return Object.freeze({ ...(record as AdoptionThresholds) })
}
