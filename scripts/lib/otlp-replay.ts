/**
 * Real OTLP metric exports, captured and replayed: a loopback endpoint keeps the last export an
 * API sent (the exact protobuf bytes its SDK wrote), and a replayer posts copies of it as if many
 * API replicas were exporting, each with its own service.instance.id and the current time.
 *
 * Patching works on the bytes, so the protobuf is never re-encoded: in OTLP every point's
 * time_unix_nano is a fixed64 (8 little-endian bytes), and all points of one export share the
 * collection time, so each copy of those 8 bytes is overwritten with the new time; the instance id
 * is replaced by another of the same length, which leaves every length prefix valid.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'

export interface CapturedExport {
  body: Buffer
  contentType: string
  /** The collection time of its points, in nanoseconds since the epoch. */
  timeNanos: bigint
}

export interface Capture {
  url: string
  /** Exports received so far. */
  count(): number
  last(): CapturedExport | undefined
  close(): Promise<void>
}

/** The time most often found as an 8-byte little-endian value in the body: the collection time. */
export function collectionTime(body: Buffer, notBefore: bigint, notAfter: bigint): bigint {
  const seen = new Map<bigint, number>()
  for (let i = 0; i + 8 <= body.length; i++) {
    const value = body.readBigUInt64LE(i)
    if (value >= notBefore && value <= notAfter) seen.set(value, (seen.get(value) ?? 0) + 1)
  }
  let best: [bigint, number] | undefined
  for (const entry of seen) if (!best || entry[1] > best[1]) best = entry
  if (!best) throw new Error('no point time found in the captured export')
  return best[0]
}

/** An OTLP/HTTP metrics endpoint on loopback that answers 200 and keeps the last export. */
export async function startCapture(port: number): Promise<Capture> {
  let last: CapturedExport | undefined
  let count = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.url === '/v1/metrics') {
        const body = Buffer.concat(chunks)
        const now = BigInt(Date.now()) * 1_000_000n
        count++
        last = {
          body,
          contentType: req.headers['content-type'] ?? '',
          timeNanos: collectionTime(body, now - 60_000_000_000n, now + 1_000_000_000n),
        }
      }
      // An empty ExportMetricsServiceResponse: full success.
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end()
    })
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => count,
    last: () => last,
    close: async () => {
      server.close()
      await once(server, 'close')
    },
  }
}

/** Offsets of every occurrence of `needle` in `haystack`. */
function offsetsOf(haystack: Buffer, needle: Buffer): number[] {
  const found: number[] = []
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at)
  return found
}

/** Makes copies of a captured export for other instances and times. */
export class ExportTemplate {
  readonly captured: CapturedExport
  readonly instanceId: string
  readonly timeOffsets: number[]
  readonly idOffsets: number[]

  constructor(captured: CapturedExport, instanceId: string) {
    this.captured = captured
    this.instanceId = instanceId
    const time = Buffer.alloc(8)
    time.writeBigUInt64LE(captured.timeNanos)
    this.timeOffsets = offsetsOf(captured.body, time)
    this.idOffsets = offsetsOf(captured.body, Buffer.from(instanceId))
    if (this.idOffsets.length === 0) throw new Error(`service.instance.id "${instanceId}" not in the export`)
  }

  /** The export as instance `id` (same length as the captured one) would send it at `timeNanos`. */
  copy(id: string, timeNanos: bigint): Buffer {
    if (Buffer.byteLength(id) !== Buffer.byteLength(this.instanceId)) {
      throw new Error(`instance id "${id}" must be as long as "${this.instanceId}"`)
    }
    const body = Buffer.from(this.captured.body)
    for (const at of this.timeOffsets) body.writeBigUInt64LE(timeNanos, at)
    for (const at of this.idOffsets) body.write(id, at)
    return body
  }
}
