/**
 * For the sibling packages (tracker-node, tracker-web) and tests, not for applications: the pieces
 * they build on, which may change without notice. Import as `@feature-analytics/tracker/internal`.
 */
export { stagesCrossed } from './adoption.ts'
export { DistinctUsers } from './distinct-users.ts'
export { HyperLogLog } from './hyperloglog.ts'
export { INSTRUMENT_OPTIONS, type InstrumentOptions } from './instruments.ts'
export { TenantBudget } from './tenant-budget.ts'
export { RESOLVED } from './tracker.ts'
