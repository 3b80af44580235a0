import { type InstrumentId, instrumentEntries } from '@feature-analytics/schema'
import { type MetricOptions, ValueType } from '@opentelemetry/api'

const VALUE_TYPES = { int: ValueType.INT, double: ValueType.DOUBLE } as const

/**
 * The options each schema instrument is created with, built once from the schema's table. The
 * OpenTelemetry recorder, the browser tracker and tracker-node's aggregator all read them, so no
 * two paths can disagree on a unit, a description or a bucket. Bucket advice makes any SDK use the
 * schema's buckets, even one configured without our views.
 */
export type InstrumentOptions = Readonly<
  Required<Pick<MetricOptions, 'description' | 'unit' | 'valueType'>>
> &
  Readonly<Pick<MetricOptions, 'advice'>>

export const INSTRUMENT_OPTIONS: Readonly<Record<InstrumentId, InstrumentOptions>> = Object.fromEntries(
  instrumentEntries().map(([id, spec]) => [
    id,
    {
      description: spec.description,
      unit: spec.unit,
      valueType: VALUE_TYPES[spec.valueType],
      ...(spec.boundaries ? { advice: { explicitBucketBoundaries: [...spec.boundaries] } } : {}),
    },
  ]),
) as Record<InstrumentId, InstrumentOptions>
