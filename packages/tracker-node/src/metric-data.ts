import type { InstrumentKind, InstrumentSpec } from '@feature-analytics/tracker'
import type { HrTime } from '@opentelemetry/api'
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  InstrumentType,
  type MetricDescriptor,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics'
import type { HistogramCell, SumCell } from './cells.ts'

const TYPES: Record<InstrumentKind, InstrumentType> = {
  counter: InstrumentType.COUNTER,
  upDownCounter: InstrumentType.UP_DOWN_COUNTER,
  histogram: InstrumentType.HISTOGRAM,
  observableGauge: InstrumentType.OBSERVABLE_GAUGE,
}

/** The descriptor the SDK builds for the same instrument, down to `type` and bucket `advice`. */
export function descriptorOf(spec: InstrumentSpec): MetricDescriptor {
  const descriptor = {
    name: spec.name,
    description: spec.description,
    unit: spec.unit,
    valueType: spec.valueType,
    type: TYPES[spec.kind],
    advice: spec.boundaries ? { explicitBucketBoundaries: [...spec.boundaries] } : {},
  }
  return descriptor
}

export function sumData(spec: InstrumentSpec, cells: readonly SumCell[], endTime: HrTime): SumMetricData {
  return {
    descriptor: descriptorOf(spec),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: spec.kind === 'counter',
    dataPoints: cells.map((cell) => ({
      attributes: cell.attributes,
      startTime: cell.startTime,
      endTime,
      value: cell.value,
    })),
  }
}

export function histogramData(
  spec: InstrumentSpec,
  cells: readonly HistogramCell[],
  endTime: HrTime,
): HistogramMetricData {
  const boundaries = [...(spec.boundaries ?? [])]
  return {
    descriptor: descriptorOf(spec),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: cells.map((cell) => {
      const minMax = cell.minMaxKnown && cell.count > 0
      return {
        attributes: cell.attributes,
        startTime: cell.startTime,
        endTime,
        // Copies: exporters may hold on to a point while recording goes on.
        value: {
          min: minMax ? cell.min : undefined,
          max: minMax ? cell.max : undefined,
          sum: cell.sum,
          buckets: { boundaries, counts: [...cell.counts] },
          count: cell.count,
        },
      }
    }),
  }
}
