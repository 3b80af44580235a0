/** How numbers appear in the tables; the browser test formats the report's numbers the same way. */
export const count = (n: number): string => String(Math.round(n))
export const ms = (n: number | null): string => (n === null ? '' : n.toFixed(2))
export const percent = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : 'n/a')
export const time = (t: number): string => new Date(t).toISOString().slice(11, 19)
