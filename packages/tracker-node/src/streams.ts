import {
  ATTR,
  INSTRUMENTS,
  type InstrumentId,
  type InstrumentSpec,
  instrumentEntries,
  METRICS,
  type RecordedInstrument,
} from '@feature-analytics/schema'
import type { HrTime } from '@opentelemetry/api'
import type { MetricData } from '@opentelemetry/sdk-metrics'
import {
  type GaugeCell,
  type HistogramCell,
  histogramCell,
  recordValue,
  type SumCell,
  sumCell,
} from './cells.ts'
import { type ExemplarReservoir, sampledSpan } from './exemplars.ts'
import { type CardinalityLimits, cardinalityLimit } from './limits.ts'
import type { HistogramPoint } from './merge-input.ts'
import { type ExemplarWindow, gaugeData, histogramData, sumData } from './metric-data.ts'
import { type SeriesAttributes, SeriesIndex } from './series-index.ts'

/** A feature has one category (the catalog's), so the category is stored, not looked up. */
const STORED_ONLY = [ATTR.featureCategory]

/** The aggregated state of one instrument of the table, and its cumulative MetricData at collection. */
abstract class Stream<I extends InstrumentId = InstrumentId> {
  readonly id: I
  readonly meter: string
  /** Every attribute key a point may carry, from the table. */
  readonly attributes: readonly string[]

  constructor(id: I) {
    this.id = id
    this.meter = INSTRUMENTS[id].meter
    this.attributes = INSTRUMENTS[id].attributes
  }

  /**
   * Undefined when the instrument has no series yet (the SDK exports nothing for it either).
   * Points carry the exemplars offered after `exemplarsSince` (a reader's cursor).
   */
  abstract data(endTime: HrTime, errors: unknown[], exemplarsSince: number): MetricData | undefined
}

/**
 * Exemplars of a recorded instrument, when its table row has `exemplarAttributes`: the active
 * span is read per measurement (a context lookup), and a sampled one is offered to the reservoir
 * (which takes the first per slot per collection interval).
 */
class Exemplars {
  readonly reservoir: ExemplarReservoir
  readonly keys: readonly string[]

  constructor(reservoir: ExemplarReservoir, keys: readonly string[]) {
    this.reservoir = reservoir
    this.keys = keys
  }

  offer(
    cell: { exemplars?: SumCell['exemplars'] },
    slots: number,
    index: number,
    attributes: SeriesAttributes,
    value: number,
  ) {
    const span = sampledSpan()
    if (span === undefined) return
    cell.exemplars ??= new Array(slots).fill(undefined)
    this.reservoir.offer(cell.exemplars, index, span, value, attributes)
  }

  window(since: number): ExemplarWindow {
    return { since, keys: this.keys }
  }
}

const exemplarsOf = (id: RecordedInstrument, reservoir: ExemplarReservoir | undefined) => {
  const keys: readonly string[] | undefined = (INSTRUMENTS[id] as InstrumentSpec).exemplarAttributes
  return reservoir === undefined || keys === undefined ? undefined : new Exemplars(reservoir, keys)
}

/** Counters and up-down counters. */
export class SumStream extends Stream<RecordedInstrument> {
  readonly #index: SeriesIndex<SumCell>
  readonly #exemplars: Exemplars | undefined

  constructor(id: RecordedInstrument, limit: number, reservoir?: ExemplarReservoir) {
    super(id)
    this.#index = new SeriesIndex(this.attributes, limit, sumCell, STORED_ONLY)
    this.#exemplars = exemplarsOf(id, reservoir)
  }

  record(attributes: SeriesAttributes, value: number): void {
    const cell = this.#index.at(attributes)
    cell.value += value
    this.#exemplars?.offer(cell, 1, 0, attributes, value)
  }

  /** Drops the series of these tenants (their budget slots were released). */
  forgetTenants(tenants: ReadonlySet<string>): void {
    this.#index.removeWhere(ATTR.tenantId, tenants)
  }

  data(endTime: HrTime, _errors: unknown[], exemplarsSince: number): MetricData | undefined {
    const cells = this.#index.cells()
    if (cells.length === 0) return undefined
    return sumData(this.id, cells, endTime, this.#exemplars?.window(exemplarsSince))
  }
}

/** Explicit-bucket histograms with the schema's boundaries. */
export class HistogramStream extends Stream<RecordedInstrument> {
  readonly boundaries: readonly number[]
  readonly #index: SeriesIndex<HistogramCell>
  readonly #exemplars: Exemplars | undefined

  constructor(id: RecordedInstrument, limit: number, reservoir?: ExemplarReservoir) {
    super(id)
    const spec: InstrumentSpec = INSTRUMENTS[id]
    this.boundaries = spec.boundaries ?? []
    this.#index = new SeriesIndex(this.attributes, limit, histogramCell(this.boundaries), STORED_ONLY)
    this.#exemplars = exemplarsOf(id, reservoir)
  }

  record(attributes: SeriesAttributes, value: number): void {
    const cell = this.#index.at(attributes)
    const bucket = recordValue(cell, this.boundaries, value)
    this.#exemplars?.offer(cell, this.boundaries.length + 1, bucket, attributes, value)
  }

  /** Adds a checked, already-aggregated point: exact for counts, buckets and sum. */
  merge(attributes: SeriesAttributes, point: HistogramPoint): void {
    const cell = this.#index.at(attributes)
    point.bucketCounts.forEach((n, i) => {
      cell.counts[i] = (cell.counts[i] as number) + n
    })
    cell.count += point.count
    cell.sum += point.sum
    if (point.min === undefined || point.max === undefined) cell.minMaxKnown = false
    else {
      cell.min = Math.min(cell.min, point.min)
      cell.max = Math.max(cell.max, point.max)
    }
  }

  data(endTime: HrTime, _errors: unknown[], exemplarsSince: number): MetricData | undefined {
    const cells = this.#index.cells()
    if (cells.length === 0) return undefined
    return histogramData(this.id, cells, endTime, this.#exemplars?.window(exemplarsSince))
  }
}

export type GaugeSource = () => Iterable<GaugeCell>

/** Observable gauges: read from their sources at each collection, nothing kept between. */
export class GaugeStream extends Stream {
  readonly #sources: GaugeSource[] = []

  observe(source: GaugeSource): void {
    this.#sources.push(source)
  }

  data(endTime: HrTime, errors: unknown[]): MetricData | undefined {
    const cells: GaugeCell[] = []
    for (const source of this.#sources) {
      try {
        for (const cell of source()) cells.push(cell)
      } catch (error) {
        errors.push(error)
      }
    }
    return cells.length > 0 ? gaugeData(this.id, cells, endTime) : undefined
  }
}

type Kind<I extends InstrumentId> = (typeof INSTRUMENTS)[I]['kind']

/** The stream each instrument of the table gets, by its kind. */
export type Streams = {
  readonly [I in InstrumentId]: Kind<I> extends 'histogram'
    ? HistogramStream
    : Kind<I> extends 'observableGauge'
      ? GaugeStream
      : SumStream
}

/** The streams that take recorded measurements. */
export type RecordedStream = SumStream | HistogramStream

/** One stream per row of the schema's instrument table, so none can be left out of collect(). */
export function createStreams(limits: CardinalityLimits, reservoir?: ExemplarReservoir): Streams {
  const streams = instrumentEntries().map(([id, spec]) => {
    const limit = cardinalityLimit(METRICS[id], limits)
    if (spec.kind === 'observableGauge') return [id, new GaugeStream(id)]
    const recorded = id as RecordedInstrument
    return [
      id,
      spec.kind === 'histogram'
        ? new HistogramStream(recorded, limit, reservoir)
        : new SumStream(recorded, limit, reservoir),
    ]
  })
  return Object.fromEntries(streams) as Streams
}
