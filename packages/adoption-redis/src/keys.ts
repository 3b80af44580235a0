/**
 * Key layout under a prefix. The feature's length comes first, so no choice of ids can make two
 * (feature, user) pairs share a key, whatever characters (":" included) they contain.
 */
export const countKey = (prefix: string, userId: string, feature: string): string =>
  `${prefix}count:${feature.length}:${feature}:${userId}`

/** A hash of feature -> uses since the tenant's previous billing decision (a new name: it was a set). */
export const tenantKey = (prefix: string, tenantId: string): string => `${prefix}tenant-uses:${tenantId}`

/** One key per write, holding what it answered, so a retried write answers instead of applying again. */
export const operationKey = (prefix: string, id: string): string => `${prefix}op:${id}`

/** One HyperLogLog per (feature, plan, day) of active users; the feature's length first, as above. */
export const activeDayKey = (prefix: string, feature: string, plan: string, day: number): string =>
  `${prefix}${feature.length}:${feature}:${plan}:${day}`
