// 2^12 one-byte registers: 4 KiB per sketch and about 1.6% standard error (1.04/sqrt(M)).
// Below SPARSE_LIMIT distinct values the sketch keeps their 30-bit hashes instead, so small counts
// are exact (up to a hash collision, about one in 2,000 at the limit) and the memory still has a
// fixed ceiling.
const SPARSE_LIMIT = 1024
// 30-bit hashes stay small integers in V8 (no heap number per value); 12 index bits leave 18 for
// ranks, enough for billions of distinct values.
const BITS = 30
const P = 12
const M = 1 << P
const MAX_RANK = BITS - P + 1
const ALPHA = 0.7213 / (1 + 1.079 / M)
const TWO_BITS = 2 ** BITS

/** FNV-1a over UTF-16 code units, then murmur3's finalizer so every bit depends on every input bit. */
function hash30(value: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> (32 - BITS)
}

/** Estimates how many distinct strings were added, in fixed memory, without keeping any of them. */
export class HyperLogLog {
  #sparse: Set<number> | undefined = new Set()
  #registers: Uint8Array | undefined

  add(value: string): void {
    this.#addHash(hash30(value))
  }

  #addHash(h: number): void {
    if (this.#sparse === undefined) {
      this.#addDense(h)
      return
    }
    this.#sparse.add(h)
    if (this.#sparse.size <= SPARSE_LIMIT) return
    this.#registers = new Uint8Array(M)
    for (const hash of this.#sparse) this.#addDense(hash)
    this.#sparse = undefined
  }

  #addDense(h: number): void {
    const registers = this.#registers as Uint8Array
    const index = h >>> (BITS - P)
    const rank = Math.min(Math.clz32(h << (32 - BITS + P)) + 1, MAX_RANK)
    if (rank > (registers[index] as number)) registers[index] = rank
  }

  /** Adds everything `other` holds: afterwards this estimates the union of both. */
  merge(other: HyperLogLog): void {
    if (other.#sparse !== undefined) {
      for (const hash of other.#sparse) this.#addHash(hash)
      return
    }
    const theirs = other.#registers as Uint8Array
    if (this.#sparse !== undefined) {
      this.#registers = new Uint8Array(M)
      for (const hash of this.#sparse) this.#addDense(hash)
      this.#sparse = undefined
    }
    const ours = this.#registers as Uint8Array
    for (let i = 0; i < M; i++) if ((theirs[i] as number) > (ours[i] as number)) ours[i] = theirs[i] as number
  }

  estimate(): number {
    if (this.#sparse !== undefined) return this.#sparse.size
    let sum = 0
    let zeros = 0
    for (const r of this.#registers as Uint8Array) {
      sum += 2 ** -r
      if (r === 0) zeros++
    }
    let e = (ALPHA * M * M) / sum
    if (e <= 2.5 * M && zeros > 0) e = M * Math.log(M / zeros)
    else if (e > TWO_BITS / 30) e = -TWO_BITS * Math.log(1 - e / TWO_BITS)
    return Math.round(e)
  }
}
