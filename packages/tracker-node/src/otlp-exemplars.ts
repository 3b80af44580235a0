/**
 * OTLP metric serializers that keep exemplars. OpenTelemetry JS's own serializers (otlp-transformer
 * 0.301) write every field of a data point except `exemplars`, so a point's exemplars would be lost
 * on the wire. These wrap them: the upstream bytes are produced as usual, then each data point that
 * carries exemplars (the `exemplars` field FeatureAggregator puts on its points) gets them added:
 *   http/json      the JSON request is parsed and `exemplars` set on the matching points;
 *   http/protobuf  the message tree is copied field by field down to the data points, and each
 *                  point gets its Exemplar fields appended (protobuf allows a repeated field
 *                  anywhere in a message), everything else byte for byte.
 * Points are matched by position (scope, metric, point), the order the upstream serializers keep.
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api'
import {
  type IExportMetricsServiceResponse,
  type ISerializer,
  JsonMetricsSerializer,
  ProtobufMetricsSerializer,
} from '@opentelemetry/otlp-transformer'
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { Exemplar, WithExemplars } from './exemplars.ts'

type MetricsSerializer = ISerializer<ResourceMetrics, IExportMetricsServiceResponse>
type PointExemplars = (scope: number, metric: number, point: number) => readonly Exemplar[] | undefined

/** Looks exemplars up by position; undefined when no point has any (then the bytes stay upstream's). */
function exemplarLookup(request: ResourceMetrics): PointExemplars | undefined {
  const found = request.scopeMetrics.some(({ metrics }) =>
    metrics.some(({ dataPoints }) =>
      (dataPoints as WithExemplars[]).some((p) => p.exemplars !== undefined && p.exemplars.length > 0),
    ),
  )
  if (!found) return undefined
  return (s, m, p) =>
    (request.scopeMetrics[s]?.metrics[m]?.dataPoints[p] as WithExemplars | undefined)?.exemplars
}

const nanos = (time: HrTime): bigint => BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])

// ---- http/json ---------------------------------------------------------------------------------

interface JsonPoint {
  exemplars?: unknown[]
}
type JsonMetric = Partial<Record<'sum' | 'gauge' | 'histogram', { dataPoints?: JsonPoint[] }>>
interface JsonRequest {
  resourceMetrics?: { scopeMetrics?: { metrics?: JsonMetric[] }[] }[]
}

function jsonAnyValue(value: AttributeValue | undefined): object {
  if (typeof value === 'string') return { stringValue: value }
  if (typeof value === 'boolean') return { boolValue: value }
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value }
  return { stringValue: String(value) }
}

const jsonExemplar = (e: Exemplar) => ({
  filteredAttributes: Object.entries(e.filteredAttributes).map(([key, value]) => ({
    key,
    value: jsonAnyValue(value),
  })),
  timeUnixNano: String(nanos(e.time)),
  asDouble: e.value,
  // OTLP/JSON writes trace and span ids as hex, not base64.
  spanId: e.spanId,
  traceId: e.traceId,
})

export const JsonMetricsWithExemplarsSerializer: MetricsSerializer = {
  serializeRequest(request) {
    const bytes = JsonMetricsSerializer.serializeRequest(request)
    const lookup = exemplarLookup(request)
    if (bytes === undefined || lookup === undefined) return bytes
    const json = JSON.parse(new TextDecoder().decode(bytes)) as JsonRequest
    json.resourceMetrics?.[0]?.scopeMetrics?.forEach((scope, s) => {
      scope.metrics?.forEach((metric, m) => {
        const points = (metric.sum ?? metric.gauge ?? metric.histogram)?.dataPoints ?? []
        points.forEach((point, p) => {
          const exemplars = lookup(s, m, p)
          if (exemplars?.length) point.exemplars = exemplars.map(jsonExemplar)
        })
      })
    })
    return new TextEncoder().encode(JSON.stringify(json))
  },
  deserializeResponse: (data) => JsonMetricsSerializer.deserializeResponse(data),
}

// ---- http/protobuf -----------------------------------------------------------------------------

/** Field numbers from opentelemetry/proto/metrics/v1/metrics.proto on the way down to the points. */
const FIELD = {
  requestResourceMetrics: 1,
  resourceScopeMetrics: 2,
  scopeMetrics: 2,
  metricGauge: 5,
  metricSum: 7,
  metricHistogram: 9,
  dataPoints: 1,
  numberPointExemplars: 5,
  histogramPointExemplars: 8,
  exemplarFilteredAttributes: 7,
  exemplarTime: 2,
  exemplarAsDouble: 3,
  exemplarSpanId: 4,
  exemplarTraceId: 5,
  keyValueKey: 1,
  keyValueValue: 2,
  anyString: 1,
  anyBool: 2,
  anyInt: 3,
  anyDouble: 4,
} as const

/**
 * Copies one message, handing each length-delimited field named in `descend` to its function (which
 * writes the field's new content) and every other field through unchanged; `append` then writes
 * more fields at the end of the message.
 */
function rewrite(
  bytes: Uint8Array,
  descend: Partial<Record<number, (content: Uint8Array, nth: number) => Uint8Array>>,
  append?: (writer: BinaryWriter) => void,
): Uint8Array {
  const reader = new BinaryReader(bytes)
  const writer = new BinaryWriter()
  const seen = new Map<number, number>()
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag()
    const child = wireType === WireType.LengthDelimited ? descend[field] : undefined
    if (child === undefined) {
      writer.tag(field, wireType).raw(reader.skip(wireType, field))
      continue
    }
    const nth = seen.get(field) ?? 0
    seen.set(field, nth + 1)
    writer.tag(field, WireType.LengthDelimited).bytes(child(reader.bytes(), nth))
  }
  append?.(writer)
  return writer.finish()
}

function writeAnyValue(writer: BinaryWriter, value: AttributeValue | undefined): void {
  writer.fork()
  if (typeof value === 'boolean') writer.tag(FIELD.anyBool, WireType.Varint).bool(value)
  else if (typeof value === 'number' && Number.isInteger(value))
    writer.tag(FIELD.anyInt, WireType.Varint).int64(value)
  else if (typeof value === 'number') writer.tag(FIELD.anyDouble, WireType.Bit64).double(value)
  else writer.tag(FIELD.anyString, WireType.LengthDelimited).string(String(value))
  writer.join()
}

function writeExemplar(writer: BinaryWriter, field: number, e: Exemplar): void {
  writer.tag(field, WireType.LengthDelimited).fork()
  for (const [key, value] of Object.entries(e.filteredAttributes as Attributes)) {
    writer.tag(FIELD.exemplarFilteredAttributes, WireType.LengthDelimited).fork()
    writer.tag(FIELD.keyValueKey, WireType.LengthDelimited).string(key)
    writer.tag(FIELD.keyValueValue, WireType.LengthDelimited)
    writeAnyValue(writer, value)
    writer.join()
  }
  writer.tag(FIELD.exemplarTime, WireType.Bit64).fixed64(nanos(e.time))
  writer.tag(FIELD.exemplarAsDouble, WireType.Bit64).double(e.value)
  writer.tag(FIELD.exemplarSpanId, WireType.LengthDelimited).bytes(Buffer.from(e.spanId, 'hex'))
  writer.tag(FIELD.exemplarTraceId, WireType.LengthDelimited).bytes(Buffer.from(e.traceId, 'hex'))
  writer.join()
}

function withExemplars(bytes: Uint8Array, lookup: PointExemplars): Uint8Array {
  const points =
    (s: number, m: number, exemplarField: number) =>
    (content: Uint8Array): Uint8Array =>
      rewrite(content, {
        [FIELD.dataPoints]: (point, p) => {
          const exemplars = lookup(s, m, p)
          if (!exemplars?.length) return point
          return rewrite(point, {}, (writer) => {
            for (const e of exemplars) writeExemplar(writer, exemplarField, e)
          })
        },
      })
  const metric = (s: number) => (content: Uint8Array, m: number) =>
    rewrite(content, {
      [FIELD.metricGauge]: points(s, m, FIELD.numberPointExemplars),
      [FIELD.metricSum]: points(s, m, FIELD.numberPointExemplars),
      [FIELD.metricHistogram]: points(s, m, FIELD.histogramPointExemplars),
    })
  return rewrite(bytes, {
    [FIELD.requestResourceMetrics]: (resource) =>
      rewrite(resource, {
        [FIELD.resourceScopeMetrics]: (scope, s) => rewrite(scope, { [FIELD.scopeMetrics]: metric(s) }),
      }),
  })
}

export const ProtobufMetricsWithExemplarsSerializer: MetricsSerializer = {
  serializeRequest(request) {
    const bytes = ProtobufMetricsSerializer.serializeRequest(request)
    const lookup = exemplarLookup(request)
    if (bytes === undefined || lookup === undefined) return bytes
    return withExemplars(bytes, lookup)
  },
  deserializeResponse: (data) => ProtobufMetricsSerializer.deserializeResponse(data),
}
