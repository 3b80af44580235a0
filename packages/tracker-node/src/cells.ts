import type { Attributes, HrTime } from '@opentelemetry/api'
import type { ExemplarSlot } from './exemplars.ts'
import type { Cell } from './series-index.ts'

export interface SumCell extends Cell {
  value: number
  /** One slot (the latest sampled measurement), allocated at the first one. */
  exemplars?: (ExemplarSlot | undefined)[]
}

export interface HistogramCell extends Cell {
  readonly counts: number[]
  count: number
  sum: number
  min: number
  max: number
  /** False once a merged point arrived without min/max: then neither can be known. */
  minMaxKnown: boolean
  /** One slot per bucket (the latest sampled measurement in it), allocated at the first one. */
  exemplars?: (ExemplarSlot | undefined)[]
}

export const sumCell = (attributes: Attributes, startTime: HrTime): SumCell => ({
  attributes,
  startTime,
  value: 0,
})

export const histogramCell =
  (boundaries: readonly number[]) =>
  (attributes: Attributes, startTime: HrTime): HistogramCell => ({
    attributes,
    startTime,
    counts: new Array<number>(boundaries.length + 1).fill(0),
    count: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    minMaxKnown: true,
  })

/** The SDK's bucket rule: the first boundary >= value (upper bounds are inclusive), else the last bucket. */
export function bucketIndex(boundaries: readonly number[], value: number): number {
  let lo = 0
  let hi = boundaries.length - 1
  let found = boundaries.length
  while (hi >= lo) {
    const mid = lo + ((hi - lo) >> 1)
    if ((boundaries[mid] as number) < value) lo = mid + 1
    else {
      found = mid
      hi = mid - 1
    }
  }
  return found
}

/** Records one value; returns its bucket. */
export function recordValue(cell: HistogramCell, boundaries: readonly number[], value: number): number {
  cell.count += 1
  cell.sum += value
  if (value < cell.min) cell.min = value
  if (value > cell.max) cell.max = value
  const i = bucketIndex(boundaries, value)
  cell.counts[i] = (cell.counts[i] as number) + 1
  return i
}

/** One observed gauge value, read at collection time. */
export interface GaugeCell {
  readonly attributes: Attributes
  readonly value: number
}
