export { benjaminiHochberg } from './benjamini-hochberg.ts'
export {
  type Adjusted,
  adjustComparisons,
  type Comparison,
  compareGroups,
  type Group,
  MIN_SAMPLE,
} from './comparison.ts'
export { StatsInputError } from './errors.ts'
export { fisherExact } from './fisher.ts'
export { mantelHaenszel, type PooledRatio, type Stratum } from './mantel-haenszel.ts'
export { type Ratio, riskRatio } from './risk-ratio.ts'
export { type Proportion, wilsonInterval } from './wilson.ts'
