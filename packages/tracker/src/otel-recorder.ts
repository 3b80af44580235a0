import {
  type AttributesOf,
  INSTRUMENTS,
  type InstrumentKind,
  instrumentEntries,
  type ObservedInstrument,
  type RecordedInstrument,
} from '@feature-analytics/schema'
import type { Attributes, Meter, MeterProvider, MetricOptions } from '@opentelemetry/api'
import { INSTRUMENT_OPTIONS } from './instruments.ts'
import type { FeatureRecorder, ObservedSource } from './recorder.ts'

type Write = (value: number, attributes: Attributes) => void
type Create = (meter: Meter, name: string, options: MetricOptions) => Write

/** How each kind of recorded instrument is created and written. */
const WRITERS: Readonly<Record<Exclude<InstrumentKind, 'observableGauge'>, Create>> = {
  counter: (meter, name, options) => {
    const counter = meter.createCounter(name, options)
    return (value, attributes) => counter.add(value, attributes)
  },
  upDownCounter: (meter, name, options) => {
    const counter = meter.createUpDownCounter(name, options)
    return (value, attributes) => counter.add(value, attributes)
  },
  histogram: (meter, name, options) => {
    const histogram = meter.createHistogram(name, options)
    return (value, attributes) => histogram.record(value, attributes)
  },
}

/**
 * Exemplar-only attributes (the table's `exemplarAttributes`) never reach a series: the SDK keeps
 * no exemplars, so here they are simply left out.
 */
function withoutExemplarAttributes(write: Write, keys: readonly string[] = []): Write {
  if (keys.length === 0) return write
  return (value, attributes) => {
    const kept: Attributes = {}
    for (const key in attributes) if (!keys.includes(key)) kept[key] = attributes[key]
    write(value, kept)
  }
}

/**
 * The portable recorder: plain OpenTelemetry API instruments, so it works with whatever SDK the
 * host registered (Node, Deno, a browser). The SDK hashes each call's attribute object;
 * tracker-node's FeatureAggregator avoids that cost on servers.
 */
export class OtelRecorder implements FeatureRecorder {
  #writers = new Map<RecordedInstrument, Write>()
  #meterProvider: MeterProvider

  constructor(meterProvider: MeterProvider) {
    this.#meterProvider = meterProvider
    for (const [id, spec] of instrumentEntries()) {
      if (spec.kind === 'observableGauge') continue
      const meter = meterProvider.getMeter(spec.meter)
      const write = WRITERS[spec.kind](meter, spec.name, INSTRUMENT_OPTIONS[id])
      this.#writers.set(id as RecordedInstrument, withoutExemplarAttributes(write, spec.exemplarAttributes))
    }
  }

  record<I extends RecordedInstrument>(instrument: I, attributes: AttributesOf<I>, value: number): void {
    this.#writers.get(instrument)?.(value, attributes)
  }

  observe<G extends ObservedInstrument>(instrument: G, source: ObservedSource<G>): void {
    const spec = INSTRUMENTS[instrument]
    const meter = this.#meterProvider.getMeter(spec.meter)
    const gauge = meter.createObservableGauge(spec.name, INSTRUMENT_OPTIONS[instrument])
    gauge.addCallback((result) => {
      for (const { attributes, value } of source()) result.observe(value, attributes as Attributes)
    })
  }
}
