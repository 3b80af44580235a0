/**
 * The report: every insight of collectInsights with the rules it was computed under, as one JSON
 * document (what `npm run report -- --json FILE` writes) and as text tables.
 */

import { MIN_MONTHLY_USERS, SKETCH_RELATIVE_ERROR } from './active-users.ts'
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
    activeUsers: string
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
      activeUsers: `distinct users per feature and plan in the 1d, 7d and 30d windows ending at the report's end (HyperLogLog, at most ${(SKETCH_RELATIVE_ERROR * 100).toFixed(1)}% standard error); stickiness DAU/MAU with the interval of both counts 1.96 standard errors off; not enough data below ${MIN_MONTHLY_USERS} monthly users`,
    },
    ...insights,
  }
}

/** JSON for files: NaN and infinities become null, as JSON has neither. */
export const reportJson = (report: Report): string =>
  `${JSON.stringify(report, (_, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`
