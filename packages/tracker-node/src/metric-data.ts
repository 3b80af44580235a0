import {
  INSTRUMENTS,
  type InstrumentId,
  type InstrumentKind,
  type InstrumentSpec,
} from '@feature-analytics/schema'
import { INSTRUMENT_OPTIONS } from '@feature-analytics/tracker/internal'
import type { HrTime } from '@opentelemetry/api'
import {
  AggregationTemporality,
  DataPointType,
  type GaugeMetricData,
  type HistogramMetricData,
  InstrumentType,
  type MetricDescriptor,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics'
import type { GaugeCell, HistogramCell, SumCell } from './cells.ts'
import { exemplarsSince } from './exemplars.ts'

const TYPES: Record<InstrumentKind, InstrumentType> = {
  counter: InstrumentType.COUNTER,
  upDownCounter: InstrumentType.UP_DOWN_COUNTER,
  histogram: InstrumentType.HISTOGRAM,
  observableGauge: InstrumentType.OBSERVABLE_GAUGE,
}

/** The descriptor the SDK builds for the same instrument, down to `type` and bucket `advice`. */
export function descriptorOf(id: InstrumentId): MetricDescriptor {
  const spec = INSTRUMENTS[id]
  const { description, unit, valueType, advice } = INSTRUMENT_OPTIONS[id]
  // The SDK's own descriptors carry `type` too, though MetricDescriptor does not declare it.
  const descriptor = {
    name: spec.name,
    description,
    unit,
    valueType,
    type: TYPES[spec.kind],
    advice: { ...advice },
  }
  return descriptor
}

/** What a point gets: its exemplars newer than the reader's cursor, when the instrument has them. */
export interface ExemplarWindow {
  since: number
  keys: readonly string[]
}

const pointExemplars = (slots: SumCell['exemplars'], window: ExemplarWindow | undefined) => {
  const exemplars = window === undefined ? undefined : exemplarsSince(slots, window.since, window.keys)
  return exemplars === undefined ? {} : { exemplars }
}

export function sumData(
  id: InstrumentId,
  cells: readonly SumCell[],
  endTime: HrTime,
  window?: ExemplarWindow,
): SumMetricData {
  return {
    descriptor: descriptorOf(id),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: INSTRUMENTS[id].kind === 'counter',
    dataPoints: cells.map((cell) => ({
      attributes: cell.attributes,
      startTime: cell.startTime,
      endTime,
      value: cell.value,
      ...pointExemplars(cell.exemplars, window),
    })),
  }
}

export function histogramData(
  id: InstrumentId,
  cells: readonly HistogramCell[],
  endTime: HrTime,
  window?: ExemplarWindow,
): HistogramMetricData {
  const spec: InstrumentSpec = INSTRUMENTS[id]
  const boundaries = [...(spec.boundaries ?? [])]
  return {
    descriptor: descriptorOf(id),
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
        ...pointExemplars(cell.exemplars, window),
      }
    }),
  }
}

export function gaugeData(id: InstrumentId, cells: readonly GaugeCell[], endTime: HrTime): GaugeMetricData {
  return {
    descriptor: descriptorOf(id),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: cells.map((cell) => ({
      attributes: cell.attributes,
      startTime: endTime,
      endTime,
      value: cell.value,
    })),
  }
}
