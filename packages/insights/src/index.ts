export {
  type ActiveUsersRow,
  activeUsersRows,
  activeUsersTolerance,
  checkableWindows,
  compareActiveUsers,
  MIN_MONTHLY_USERS,
  SKETCH_RELATIVE_ERROR,
} from './active-users.ts'
export { CATALOG, type CatalogQuery, type QueryName } from './catalog.ts'
export { parseCommandLine } from './command-line.ts'
export {
  type CheckResult,
  checkPassed,
  combineChecks,
  compareLedger,
  formatCheck,
  type Mismatch,
} from './compare.ts'
export {
  ALL_PLANS,
  analyseDrivers,
  type BandRow,
  type DecisionCounts,
  type DriverRow,
  type Drivers,
} from './drivers.ts'
export { evaluate, nameCandidates, type Series } from './evaluate.ts'
export {
  type ExemplarQuery,
  latencyBucketSelector,
  latencyExemplars,
  type SlowCall,
} from './exemplars.ts'
export { ExpositionParseError, type Labels, parseExposition, type Sample } from './exposition.ts'
export { type Expr, isCumulative, type MetricKey, type Selector, toPromQL } from './expr.ts'
export { formatInsights, table } from './format.ts'
export { type Bucket, histogramQuantile } from './histogram-quantile.ts'
export {
  fetchTrace,
  findTrace,
  formatSpanTree,
  type TagValue,
  type Trace,
  TraceNotFoundError,
  type TraceSpan,
  traceSpans,
} from './jaeger.ts'
export {
  type ActiveUsersEntry,
  type Attributes,
  entryTotal,
  type Ledger,
  type LedgerEntry,
  LedgerFormatError,
  parseLedger,
} from './ledger.ts'
export { ALPHA, collectReport, type Report, reportJson } from './report.ts'
export {
  expositionSource,
  instantQuery,
  metricsEndpointSource,
  prometheusSource,
  type Source,
  SourceError,
} from './source.ts'
export { httpUrls, SOURCE_OPTIONS, type SourceFlags, sourceFromFlags, UsageError } from './source-args.ts'
export {
  type Adjusted,
  adjustComparisons,
  benjaminiHochberg,
  type Comparison,
  compareGroups,
  fisherExact,
  type Group,
  MIN_SAMPLE,
  mantelHaenszel,
  type PooledRatio,
  type Proportion,
  type Ratio,
  riskRatio,
  StatsInputError,
  type Stratum,
  wilsonInterval,
} from './stats/index.ts'
export {
  type Conversion,
  collectInsights,
  type FunnelRow,
  type Insights,
  type LatencyPlanRow,
  type LatencyRow,
  MIN_LATENCY_CALLS,
  type UsageRow,
} from './summaries.ts'
export { formatTraceReport, type TraceReport, type TraceReportOptions, traceReport } from './trace-report.ts'
export {
  describeWindow,
  parseDuration,
  parseTime,
  type Window,
  WindowError,
  windowFrom,
} from './window.ts'
