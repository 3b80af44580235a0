/**
 * Benjamini-Hochberg adjusted p-values (q-values): calling every q < alpha significant keeps the
 * expected share of false discoveries among them at most alpha, however many features are
 * compared. Same order as the input; NaN entries (rows not tested) stay NaN and do not count.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const tested = pValues
    .map((p, index) => ({ p, index }))
    .filter(({ p }) => Number.isFinite(p))
    .sort((x, y) => x.p - y.p)
  const q = pValues.map(() => Number.NaN)
  const m = tested.length
  let running = 1
  for (let rank = m; rank >= 1; rank--) {
    const entry = tested[rank - 1] as { p: number; index: number }
    running = Math.min(running, (entry.p * m) / rank)
    q[entry.index] = running
  }
  return q
}
