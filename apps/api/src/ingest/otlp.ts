/**
 * The slice of OTLP/JSON (ExportMetricsServiceRequest) the browser ingest reads. The envelope is
 * checked strictly enough to answer 400 for something that is not OTLP at all; each metric and point
 * is then parsed on its own, so one bad point is dropped and counted instead of failing the batch.
 * int64 fields may arrive as JSON numbers or as decimal strings (the proto3 JSON mapping).
 */
import { z } from 'zod'

export const Envelope = z.looseObject({
  resourceMetrics: z
    .array(
      z.looseObject({
        scopeMetrics: z.array(z.looseObject({ metrics: z.array(z.unknown()).optional() })).optional(),
      }),
    )
    .optional(),
})

const Uint64 = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,20}$/)
    .transform(Number),
])

const AGGREGATION_TEMPORALITY = { 1: 'delta', 2: 'cumulative' } as const
export const Temporality = z
  .union([
    z.literal([0, 1, 2]),
    z.enum([
      'AGGREGATION_TEMPORALITY_UNSPECIFIED',
      'AGGREGATION_TEMPORALITY_DELTA',
      'AGGREGATION_TEMPORALITY_CUMULATIVE',
    ]),
  ])
  .transform((value) => {
    if (value === 1 || value === 'AGGREGATION_TEMPORALITY_DELTA') return AGGREGATION_TEMPORALITY[1]
    if (value === 2 || value === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return AGGREGATION_TEMPORALITY[2]
    return 'unspecified' as const
  })

const KeyValue = z.object({
  key: z.string(),
  value: z.looseObject({ stringValue: z.string().optional() }).optional(),
})
const Attributes = z.array(KeyValue).max(32).optional()
/** fixed64 nanoseconds since the epoch, as the proto3 JSON mapping writes it (a decimal string). */
const UnixNano = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative().transform(String)])
const Timestamps = { startTimeUnixNano: UnixNano.optional(), timeUnixNano: UnixNano.optional() }

/** Only the fields needed to route a metric and count its points. */
export const MetricHead = z.looseObject({
  name: z.string(),
  sum: z.looseObject({ dataPoints: z.array(z.unknown()).optional() }).optional(),
  gauge: z.looseObject({ dataPoints: z.array(z.unknown()).optional() }).optional(),
  histogram: z.looseObject({ dataPoints: z.array(z.unknown()).optional() }).optional(),
  exponentialHistogram: z.looseObject({ dataPoints: z.array(z.unknown()).optional() }).optional(),
  summary: z.looseObject({ dataPoints: z.array(z.unknown()).optional() }).optional(),
})
export type MetricHead = z.infer<typeof MetricHead>

export const SumData = z.looseObject({
  dataPoints: z.array(z.unknown()).default([]),
  aggregationTemporality: Temporality.optional(),
  isMonotonic: z.boolean().optional(),
})

export const HistogramData = z.looseObject({
  dataPoints: z.array(z.unknown()).default([]),
  aggregationTemporality: Temporality.optional(),
})

export const NumberPoint = z
  .looseObject({
    attributes: Attributes,
    ...Timestamps,
    asInt: z
      .union([
        z.number().int(),
        z
          .string()
          .regex(/^-?\d{1,20}$/)
          .transform(Number),
      ])
      .optional(),
    asDouble: z.number().optional(),
  })
  .refine(
    (point) => (point.asInt === undefined) !== (point.asDouble === undefined),
    'expected asInt or asDouble',
  )
  .transform(({ attributes, asInt, asDouble, startTimeUnixNano, timeUnixNano }) => ({
    attributes: attributes ?? [],
    value: asInt ?? asDouble ?? 0,
    startTimeUnixNano,
    timeUnixNano,
  }))

export const HistogramPoint = z
  .looseObject({
    attributes: Attributes,
    ...Timestamps,
    count: Uint64,
    sum: z.number().nonnegative().optional(),
    bucketCounts: z.array(Uint64),
    explicitBounds: z.array(z.number()),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .transform((point) => ({ ...point, attributes: point.attributes ?? [] }))

export type KeyValue = z.infer<typeof KeyValue>
