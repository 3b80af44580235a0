/** The simulator's random draws that are more than one faker call, each from a tenant's own faker. */
import type { Faker } from '@faker-js/faker'

/** True with probability `p`: one uniform draw. */
export const chance = (faker: Faker, p: number): boolean => faker.number.float({ min: 0, max: 1 }) < p

/** A heavy-tailed activity multiplier: most users near 1, a few power users far above, capped. */
export function paretoWeight(faker: Faker, alpha: number, max: number): number {
  const u = faker.number.float({ min: 0, max: 1 })
  return Math.min(max, (1 - u) ** (-1 / alpha))
}
