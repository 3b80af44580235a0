import { randomFillSync } from 'node:crypto'
import type { IdGenerator } from '@opentelemetry/sdk-trace'

/** Random bytes drawn from the OS at a time: 256 trace ids per system call. */
const POOL_BYTES = 4096
const TRACE_ID_BYTES = 16
const SPAN_ID_BYTES = 8

/**
 * W3C trace and span ids from the OS's cryptographic random source, drawn 4 KiB at a time into a
 * pool that is turned into hex in the same native call; an id is then a slice of that hex string.
 * The SDK's RandomIdGenerator calls Math.random four times per trace id and formats each id
 * through a Buffer; every request pays for its server span's two ids whether it is sampled or not
 * (loadtest/README.md, "Sampled spans"). Never returns an all-zero id, which W3C trace context
 * calls invalid: such bytes are skipped. Also draws root trace ids with their ratio decision
 * taken on the bytes (unpickedRootTraceId), for withRatioRoots.
 */
export class PooledRandomIdGenerator implements IdGenerator {
  readonly #bytes = Buffer.allocUnsafe(POOL_BYTES)
  #hex = ''
  #next = POOL_BYTES
  /** A trace id already drawn and picked by unpickedRootTraceId, handed out next. */
  #staged: string | undefined

  generateTraceId(): string {
    const staged = this.#staged
    if (staged === undefined) return this.#id(TRACE_ID_BYTES)
    this.#staged = undefined
    return staged
  }

  /**
   * Draws a root trace id and applies TraceIdRatioBasedSampler's test to its bytes: the XOR of
   * its four big-endian 32-bit words below `upperBound` means picked. An unpicked id is returned;
   * a picked one is kept as the next generateTraceId() result, so that the tracer's own start of
   * the root span (which must follow at once) uses it and its ratio sampler, seeing the same id,
   * samples it. Nothing is decided here that the SDK's sampler would decide otherwise.
   */
  unpickedRootTraceId(upperBound: number): string | undefined {
    const id = this.#id(TRACE_ID_BYTES)
    const start = this.#next - TRACE_ID_BYTES
    const bytes = this.#bytes
    const words =
      (bytes.readUInt32BE(start) ^
        bytes.readUInt32BE(start + 4) ^
        bytes.readUInt32BE(start + 8) ^
        bytes.readUInt32BE(start + 12)) >>>
      0
    if (words >= upperBound) return id
    this.#staged = id
    return undefined
  }

  generateSpanId(): string {
    return this.#id(SPAN_ID_BYTES)
  }

  #id(length: number): string {
    for (;;) {
      if (this.#next + length > POOL_BYTES) {
        randomFillSync(this.#bytes)
        this.#hex = this.#bytes.toString('hex')
        this.#next = 0
      }
      const start = this.#next
      this.#next = start + length
      for (let i = start; i < start + length; i++) {
        if (this.#bytes[i] !== 0) return this.#hex.slice(2 * start, 2 * (start + length))
      }
    }
  }
}
