import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace'
import { TelemetryConfigError } from './config-error.ts'

/**
 * The head sampling ratio when OTEL_TRACES_SAMPLER is unset: one request in ten starts a trace
 * (a caller's sampled parent is always followed). That is enough traces for exemplars on every
 * busy feature and keeps span cost within the overhead budget (see loadtest/README.md).
 */
export const DEFAULT_TRACES_SAMPLER_RATIO = 0.1
export const DEFAULT_TRACES_SAMPLER = 'parentbased_traceidratio'

const ratioSamplers = new Set(['traceidratio', 'parentbased_traceidratio'])

/** The spec's sampler names, each built from the ratio (used by the *traceidratio ones only). */
const SAMPLERS: Record<string, (ratio: number) => Sampler> = {
  always_on: () => new AlwaysOnSampler(),
  always_off: () => new AlwaysOffSampler(),
  traceidratio: (ratio) => new TraceIdRatioBasedSampler(ratio),
  parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  parentbased_traceidratio: (ratio) => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
}

export interface SamplerChoice {
  sampler: Sampler
  /** What was chosen, for logs: `parentbased_traceidratio(0.1)`. */
  description: string
  /** The ratio roots are sampled at when the sampler is parentbased_traceidratio, else undefined. */
  parentBasedRatio?: number
}

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG ask for (the spec's names), with our
 * default, `parentbased_traceidratio` at DEFAULT_TRACES_SAMPLER_RATIO, when unset. An unknown name
 * or a ratio outside [0, 1] is a TelemetryConfigError: a typo must not silently trace everything.
 */
export function samplerFromEnv(env: Record<string, string | undefined> = process.env): SamplerChoice {
  const name = env.OTEL_TRACES_SAMPLER?.trim() || DEFAULT_TRACES_SAMPLER
  const build = SAMPLERS[name]
  if (build === undefined) {
    throw new TelemetryConfigError(
      `OTEL_TRACES_SAMPLER "${name}" is not supported; use one of ${Object.keys(SAMPLERS).join(', ')}`,
    )
  }
  if (!ratioSamplers.has(name)) return { sampler: build(1), description: name }
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim()
  const ratio = arg ? Number(arg) : DEFAULT_TRACES_SAMPLER_RATIO
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new TelemetryConfigError(
      `OTEL_TRACES_SAMPLER_ARG "${arg}" is not a sampling ratio; expected a number from 0 to 1`,
    )
  }
  return {
    sampler: build(ratio),
    description: `${name}(${ratio})`,
    ...(name === 'parentbased_traceidratio' ? { parentBasedRatio: ratio } : {}),
  }
}
