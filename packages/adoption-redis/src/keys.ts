/**
 * Key layout under a prefix. The feature's length comes first, so no choice of ids can make two
 * (feature, user) pairs share a key, whatever characters (":" included) they contain.
 */
export const countKey = (prefix: string, userId: string, feature: string): string =>
  `${prefix}count:${feature.length}:${feature}:${userId}`

export const tenantKey = (prefix: string, tenantId: string): string => `${prefix}tenant:${tenantId}`

/** One key per add, holding the count it produced, so a retried add answers instead of adding again. */
export const eventKey = (prefix: string, eventId: string): string => `${prefix}event:${eventId}`
