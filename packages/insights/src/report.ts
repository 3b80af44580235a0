/**
 * The report: every insight of collectInsights with the rules it was computed under, as one JSON
 * document (what `npm run report -- --json FILE` writes) and as text tables.
 */

import type { Source } from './source.ts'
import { MIN_SAMPLE } from './stats/comparison.ts'
import { collectInsights, type Insights } from './summaries.ts'

/** The false discovery rate the significance calls keep to (Benjamini-Hochberg). */
export const ALPHA = 0.05

export interface Report extends Insights {
  generatedAt: string
  method: {
    alpha: number
    minimumSample: typeof MIN_SAMPLE
    comparison: string
    test: string
    interval: string
    adjustment: string
    pooling: string
  }
}

export async function collectReport(source: Source, now = new Date()): Promise<Report> {
  const insights = await collectInsights(source)
  return {
    generatedAt: now.toISOString(),
    method: {
      alpha: ALPHA,
      minimumSample: MIN_SAMPLE,
      comparison:
        'per feature and plan: outcome rate at billing decisions of tenants that used the feature since their previous decision, over that of the tenants that did not',
      test: "Fisher's exact test, two-sided",
      interval: 'Katz log interval for the risk ratio, 95%',
      adjustment: 'Benjamini-Hochberg q-values over each table; significant when q < alpha',
      pooling: 'Mantel-Haenszel risk ratio over plans (Greenland-Robins interval, CMH test)',
    },
    ...insights,
  }
}

/** JSON for files: NaN and infinities become null, as JSON has neither. */
export const reportJson = (report: Report): string =>
  `${JSON.stringify(report, (_, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`
