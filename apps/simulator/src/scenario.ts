/**
 * The scenario file: who the tenants are, how they behave, and the effects planted in their
 * behaviour that the analytics should find again. Validated with zod so that a bad file fails
 * before any traffic, with messages that name the field (`scenario.plans.pro.share: ...`).
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { PLANS } from '@feature-analytics/schema'
import { z } from 'zod'
import { FEATURE_NAMES } from './features.ts'

const probability = z
  .number({ error: 'expected a number between 0 and 1' })
  .min(0, { error: 'expected a number between 0 and 1' })
  .max(1, { error: 'expected a number between 0 and 1' })

const count = (min: number, max: number) =>
  z
    .number({ error: `expected an integer between ${min} and ${max}` })
    .int({ error: `expected an integer between ${min} and ${max}` })
    .min(min, { error: `expected an integer between ${min} and ${max}` })
    .max(max, { error: `expected an integer between ${min} and ${max}` })

const ordered = { path: ['max'], error: 'must not be less than min' }
const range = (min: number, max: number) =>
  z.strictObject({ min: count(min, max), max: count(min, max) }).refine((r) => r.min <= r.max, ordered)

const plan = z.enum(PLANS, { error: `expected one of ${PLANS.join(', ')}` })
const feature = z.enum(FEATURE_NAMES, {
  error: `expected a feature of the catalog (${FEATURE_NAMES.join(', ')})`,
})
const factor = z
  .number({ error: 'expected a positive number' })
  .positive({ error: 'expected a positive number' })

const planMix = z.strictObject({
  /** Share of tenants that sign up on this plan. */
  share: probability,
  /** Users per tenant; `bias` < 0 makes small tenants more common (faker's exponential distributor). */
  users: z
    .strictObject({ min: count(1, 200), max: count(1, 200), bias: z.number().min(-20).max(20).optional() })
    .refine((r) => r.min <= r.max, ordered),
  /** Per feature: the chance a tenant on this plan takes it up; unlisted features are never used. */
  affinity: z.record(z.string(), probability).superRefine((affinity, ctx) => {
    for (const name of Object.keys(affinity)) {
      if (!(FEATURE_NAMES as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `unknown feature, expected one of ${FEATURE_NAMES.join(', ')}`,
        })
      }
    }
  }),
})

const billingRates = z
  .strictObject({ upgrade: probability, downgrade: probability, cancel: probability })
  .refine((r) => r.upgrade + r.downgrade + r.cancel <= 1, {
    error: 'upgrade + downgrade + cancel must not exceed 1',
  })

const planted = z.discriminatedUnion(
  'effect',
  [
    z
      .strictObject({
        effect: z.literal('upgrade_boost'),
        feature,
        from: plan,
        to: plan,
        factor,
      })
      .refine((e) => PLANS.indexOf(e.to) === PLANS.indexOf(e.from) + 1, {
        path: ['to'],
        error: 'expected the plan right above from (free -> pro, pro -> enterprise)',
      }),
    z.strictObject({
      effect: z.literal('churn_factor'),
      feature,
      /** Only tenants on this plan; all plans when absent. */
      plan: plan.optional(),
      factor,
    }),
    /**
     * `share` of the successful calls to `feature` by tenants on `plan` do `factor` times the
     * feature's usual work: the simulator sends them with X-Work-Factor, and the API really does it.
     */
    z.strictObject({
      effect: z.literal('latency_spike'),
      feature,
      plan,
      factor: count(2, 50),
      share: probability,
    }),
  ],
  { error: 'expected an effect: upgrade_boost, churn_factor or latency_spike' },
)

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1).max(64),
  description: z.string().optional(),
  tenants: count(1, 100_000),
  /** Billing periods ("months"); each ends with an upgrade, downgrade, renewal or cancellation. */
  periods: count(1, 120),
  plans: z
    .strictObject({ free: planMix, pro: planMix, enterprise: planMix })
    .refine((p) => Math.abs(p.free.share + p.pro.share + p.enterprise.share - 1) < 1e-9, {
      error: 'the plan shares must add up to 1',
    }),
  activity: z.strictObject({
    /** Sessions of an ordinary user in the first period. */
    sessionsPerPeriod: range(0, 1000),
    actionsPerSession: range(1, 1000),
    /** Activity grows by this fraction each period, moving users up the adoption stages. */
    growthPerPeriod: z.number().min(0).max(10),
    /** Chance per period that a tenant takes up one more of its plan's features. */
    discoveryPerPeriod: probability,
    /** Pareto shape of per-user activity: lower means heavier tail (more power users). */
    paretoAlpha: z.number().min(0.5).max(10),
    /** Cap on one user's activity multiplier, so one user cannot dominate a run. */
    maxMultiplier: z.number().min(1).max(1000),
  }),
  errors: z.strictObject({
    /** Share of feature calls sent with invalid input on purpose (400, counted as outcome=error). */
    invalidInputRate: probability,
    /** Share of actions that try a feature the plan lacks (403, not counted). */
    gatedCallRate: probability,
    /** Share of browser exports that carry one point the ingest must refuse (not counted). */
    invalidBrowserPointRate: probability,
  }),
  browser: z.strictObject({
    /** Chance that a feature call comes with clicks and time spent in its page. */
    engagement: probability,
    clicksPerVisit: range(1, 100),
    /** Time spent per visit, in seconds. */
    secondsPerVisit: range(1, 3600),
  }),
  billing: z.strictObject({ free: billingRates, pro: billingRates, enterprise: billingRates }),
  planted: z.array(planted).max(20),
})

export type Scenario = z.infer<typeof ScenarioSchema>
export type PlantedEffect = Scenario['planted'][number]

export class ScenarioError extends Error {
  override name = 'ScenarioError'
  readonly issues: readonly string[]

  constructor(source: string, issues: readonly string[]) {
    super(`invalid scenario ${source}:\n${issues.map((issue) => `  ${issue}`).join('\n')}`)
    this.issues = issues
  }
}

export interface LoadedScenario {
  scenario: Scenario
  sha256: string
}

export function parseScenario(data: unknown, source = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(data)
  if (result.success) return result.data
  throw new ScenarioError(
    source,
    result.error.issues.map(
      (issue) => `${['scenario', ...issue.path.map(String)].join('.')}: ${issue.message}`,
    ),
  )
}

export async function loadScenario(file: string): Promise<LoadedScenario> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ScenarioError(file, [`cannot read the file: ${(error as Error).message}`])
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new ScenarioError(file, [`not JSON: ${(error as Error).message}`])
  }
  return { scenario: parseScenario(data, file), sha256: createHash('sha256').update(text).digest('hex') }
}
