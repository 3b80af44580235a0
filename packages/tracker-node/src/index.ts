export { FeatureAggregator, type FeatureAggregatorOptions } from './aggregator.ts'
export { TelemetryConfigError } from './config-error.ts'
export { DEFAULT_METRICS_PORT, DEFAULT_OTLP_HTTP_PORT } from './defaults.ts'
export { PooledRandomIdGenerator } from './id-generator.ts'
export {
  type CardinalityLimits,
  cardinalityLimit,
  DEFAULT_CARDINALITY_LIMIT,
  DEFAULT_CARDINALITY_LIMITS,
} from './limits.ts'
export { BoundariesMismatchError, MergeError } from './merge-error.ts'
export type { HistogramPoint } from './merge-input.ts'
export { metricExporterWithExemplars, type OtlpProtocol } from './otlp.ts'
export type { ServiceIdentity } from './resource.ts'
export { ratioUpperBound, withRatioRoots } from './root-sampling.ts'
export {
  DEFAULT_TRACES_SAMPLER,
  DEFAULT_TRACES_SAMPLER_RATIO,
  type SamplerChoice,
  samplerFromEnv,
} from './sampler.ts'
export { OVERFLOW_ATTRIBUTES } from './series-index.ts'
export { installShutdownHandlers, type ShutdownHandlerOptions } from './shutdown.ts'
export { startTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.ts'
export { schemaViews } from './views.ts'
