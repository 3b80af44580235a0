/** How numbers appear in the tables; the browser test formats the report's numbers the same way. */
export const count = (n: number): string => String(Math.round(n))
export const ms = (n: number | null): string => (n === null ? '' : n.toFixed(2))
export const percent = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : 'n/a')
export const time = (t: number): string => new Date(t).toISOString().slice(11, 19)
export const ratio = (n: number | null): string => (n === null ? '' : n.toFixed(2))
export const interval = (low: number | null, high: number | null): string =>
  low === null || high === null ? '' : `${low.toFixed(2)} – ${high.toFixed(2)}`
export const probability = (p: number | null): string =>
  p === null ? '' : p < 0.001 ? p.toExponential(1) : p.toFixed(3)
/** A rate with its interval, e.g. `62.5% [40.9–80.0]`. */
export const rateWithInterval = (rate: number, low: number, high: number): string =>
  `${percent(rate)} [${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)}]`
