export { type ApiProcess, ApiStartError, freePort, startApiProcess } from './api-process.ts'
export { type Decision, decide, periodRates } from './billing.ts'
export { FEATURE_ELEMENTS, FEATURE_NAMES, type FeatureName } from './features.ts'
export { LedgerBuilder, serializeLedger } from './ledger.ts'
export { plantedRank, plantedReport } from './planted-report.ts'
export {
  type LoadedScenario,
  loadScenario,
  type PlantedEffect,
  parseScenario,
  type Scenario,
  ScenarioError,
  ScenarioSchema,
} from './scenario.ts'
export { type SimulateOptions, type SimulateResult, simulate, tenantSeed } from './simulate.ts'
