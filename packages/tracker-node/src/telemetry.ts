import {
  type TracerProvider as ApiTracerProvider,
  context,
  diag,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import type { Resource } from '@opentelemetry/resources'
import {
  type IMetricReader,
  MeterProvider,
  type MetricProducer,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics'
import {
  BatchSpanProcessor,
  type IdGenerator,
  type Sampler,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { FeatureAggregator, type FeatureAggregatorOptions } from './aggregator.ts'
import { TelemetryConfigError } from './config-error.ts'
import { PooledRandomIdGenerator } from './id-generator.ts'
import { type CardinalityLimits, DEFAULT_CARDINALITY_LIMIT } from './limits.ts'
import { exportInterval, type OtlpProtocol, otlpMetricExporter, otlpTraceExporter } from './otlp.ts'
import { type ServiceIdentity, serviceResource } from './resource.ts'
import { withRatioRoots } from './root-sampling.ts'
import { type SamplerChoice, samplerFromEnv } from './sampler.ts'
import { DEFAULT_SIGNALS, installShutdownHandlers, withDeadline } from './shutdown.ts'
import { schemaViews } from './views.ts'

export interface TelemetryOptions extends ServiceIdentity {
  /** OTLP/HTTP base URL (e.g. http://127.0.0.1:4318). Default: OTEL_EXPORTER_OTLP_[METRICS_|TRACES_]ENDPOINT; none = no OTLP export. */
  otlpEndpoint?: string
  /** Default: OTEL_EXPORTER_OTLP_[METRICS_|TRACES_]PROTOCOL, else http/protobuf. */
  otlpProtocol?: OtlpProtocol
  /** Default: OTEL_METRIC_EXPORT_INTERVAL, else 10,000 ms. */
  exportIntervalMillis?: number
  /** Serve Prometheus text format on this port (0 or undefined: off). */
  prometheusPort?: number
  /** Default 127.0.0.1. */
  prometheusHost?: string
  /** More push exporters, each on its own periodic reader (tests pass an InMemoryMetricExporter). */
  metricExporters?: PushMetricExporter[]
  /** More readers, built with FeatureAggregator among their metricProducers. */
  metricReaders?: ((metricProducers: MetricProducer[]) => IMetricReader)[]
  /** More span processors (tests pass a SimpleSpanProcessor with an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[]
  /**
   * Head sampler. Default: OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, else a parent-based
   * ratio sampler at DEFAULT_TRACES_SAMPLER_RATIO (0.1).
   */
  sampler?: Sampler
  /** Trace and span ids. Default: PooledRandomIdGenerator (crypto random, pooled; see its doc). */
  idGenerator?: IdGenerator
  views?: ViewOptions[]
  cardinalityLimits?: CardinalityLimits
  /** An aggregator to use, or options for the one startTelemetry creates. */
  aggregator?: FeatureAggregator | FeatureAggregatorOptions
  /** Register the providers, context manager and W3C propagators globally. Default true. */
  registerGlobal?: boolean
  /** Flush and shut down on these signals; false to manage shutdown yourself. Default SIGTERM, SIGINT. */
  shutdownSignals?: NodeJS.Signals[] | false
  /** Deadline for shutdown, including on a signal. Default 5000 ms. */
  shutdownTimeoutMillis?: number
}

export interface Telemetry {
  /** The fast FeatureRecorder, already registered on every metric reader. */
  readonly aggregator: FeatureAggregator
  readonly meterProvider: MeterProvider
  readonly tracerProvider: TracerProvider
  /** The head sampler in use, for logs: `parentbased_traceidratio(0.1)`, or `custom`. */
  readonly sampling: string
  readonly resource: Resource
  /** The Prometheus endpoint, when prometheusPort was given. */
  readonly prometheusUrl: string | undefined
  /** Resolves once the Prometheus endpoint listens (at once without one); rejects if it cannot. */
  readonly ready: Promise<void>
  forceFlush(): Promise<void>
  /** Flushes metrics and spans, stops exporters and servers. Idempotent; never rejects. */
  shutdown(): Promise<void>
}

/**
 * One call to set up OpenTelemetry for a Node service. Built on sdk-metrics and sdk-trace directly
 * rather than sdk-node's NodeSDK: NodeSDK always registers globals (so two instances cannot live
 * in one test process), hides its MeterProvider, turns on a logs pipeline and trace export to
 * localhost by default, and offers no way to put a MetricProducer on the readers it builds from
 * the environment. The OTEL_* variables it would read are honoured here too (endpoints, protocol,
 * export interval, OTEL_{METRICS,TRACES}_EXPORTER=none, resource attributes, service name, and
 * OTEL_TRACES_SAMPLER[_ARG], which sdk-trace 3 no longer reads by itself).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (typeof options?.serviceName !== 'string' || options.serviceName.length === 0) {
    throw new TelemetryConfigError('startTelemetry needs a serviceName')
  }
  const aggregator =
    options.aggregator instanceof FeatureAggregator
      ? options.aggregator
      : new FeatureAggregator({ cardinalityLimits: options.cardinalityLimits, ...options.aggregator })
  // One producer per reader, so each gets every exemplar once (see FeatureAggregator.producer).
  const producers = (): MetricProducer[] => [aggregator.producer()]
  const interval = exportInterval(options.exportIntervalMillis)
  const cardinalityLimits = { default: options.cardinalityLimits?.default ?? DEFAULT_CARDINALITY_LIMIT }
  const periodic = (exporter: PushMetricExporter) =>
    new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: interval,
      exportTimeoutMillis: Math.min(interval, 30_000),
      metricProducers: producers(),
      cardinalityLimits,
    })

  const readers: IMetricReader[] = []
  const otlpMetrics = otlpMetricExporter(options.otlpEndpoint, options.otlpProtocol)
  if (otlpMetrics) readers.push(periodic(otlpMetrics))
  for (const exporter of options.metricExporters ?? []) readers.push(periodic(exporter))
  for (const build of options.metricReaders ?? []) readers.push(build(producers()))

  let prometheusUrl: string | undefined
  let ready: Promise<void> = Promise.resolve()
  if (options.prometheusPort) {
    const host = options.prometheusHost ?? '127.0.0.1'
    prometheusUrl = `http://${host}:${options.prometheusPort}/metrics`
    ready = new Promise<void>((resolve, reject) => {
      readers.push(
        new PrometheusExporter(
          { host, port: options.prometheusPort, metricProducers: producers() },
          (error) => (error ? reject(error) : resolve()),
        ),
      )
    })
    // Whoever awaits `ready` sees the error; nobody awaiting it must not crash the process.
    ready.catch((error: unknown) => diag.error(`Prometheus endpoint ${prometheusUrl} failed`, error))
  }

  const resource = serviceResource(options)
  const meterProvider = new MeterProvider({
    resource,
    readers,
    views: [...schemaViews(options.cardinalityLimits), ...(options.views ?? [])],
  })
  const spanProcessors = [...(options.spanProcessors ?? [])]
  const otlpTraces = otlpTraceExporter(options.otlpEndpoint, options.otlpProtocol)
  if (otlpTraces) spanProcessors.push(new BatchSpanProcessor({ exporter: otlpTraces }))
  const {
    sampler,
    description: sampling,
    parentBasedRatio,
  }: SamplerChoice = options.sampler ? { sampler: options.sampler, description: 'custom' } : samplerFromEnv()
  const pooledIds = options.idGenerator ? undefined : new PooledRandomIdGenerator()
  const idGenerator = options.idGenerator ?? pooledIds
  const tracerProvider = new TracerProvider({ resource, spanProcessors, sampler, idGenerator })
  // With our ids and the standard parent-based ratio sampler, unpicked roots skip the SDK's span
  // start (root-sampling.ts); any other sampler or id generator gets the SDK's tracers as they are.
  const globalTracerProvider =
    pooledIds && parentBasedRatio !== undefined
      ? withRatioRoots(tracerProvider, pooledIds, parentBasedRatio)
      : tracerProvider

  const unregister =
    options.registerGlobal === false ? () => {} : registerGlobals(meterProvider, globalTracerProvider)
  const timeoutMillis = options.shutdownTimeoutMillis ?? 5000
  let shuttingDown: Promise<void> | undefined
  let uninstallHandlers = () => {}

  const telemetry: Telemetry = {
    aggregator,
    meterProvider,
    tracerProvider,
    sampling,
    resource,
    prometheusUrl,
    ready,
    forceFlush: async () => {
      await Promise.all([meterProvider.forceFlush(), tracerProvider.forceFlush()])
    },
    shutdown() {
      shuttingDown ??= withDeadline(async () => {
        uninstallHandlers()
        await Promise.allSettled([meterProvider.shutdown({ timeoutMillis }), tracerProvider.shutdown()])
        unregister()
      }, timeoutMillis)
      return shuttingDown
    },
  }
  if (options.shutdownSignals !== false) {
    uninstallHandlers = installShutdownHandlers(telemetry, {
      signals: options.shutdownSignals ?? DEFAULT_SIGNALS,
      timeoutMillis,
    })
  }
  return telemetry
}

/** Registers what is not registered yet, and returns how to undo exactly that. */
function registerGlobals(meterProvider: MeterProvider, tracerProvider: ApiTracerProvider): () => void {
  const undo: (() => void)[] = []
  if (metrics.setGlobalMeterProvider(meterProvider)) undo.push(() => metrics.disable())
  if (trace.setGlobalTracerProvider(tracerProvider)) undo.push(() => trace.disable())
  if (context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())) {
    undo.push(() => context.disable())
  }
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  })
  if (propagation.setGlobalPropagator(propagator)) undo.push(() => propagation.disable())
  return () => {
    for (const u of undo) u()
  }
}
