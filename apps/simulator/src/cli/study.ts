/** `npm run study -- --help` */
import { writeFile } from 'node:fs/promises'
import { parseCommandLine } from '@feature-analytics/insights'
import { loadScenario, type PlantedEffect, ScenarioError } from '../scenario.ts'
import { describeEffect, runSeed, type SeedOutcome, variant } from '../study/study.ts'
import { DEFAULT_SCENARIO, fromUserCwd, positiveNumber, UsageError } from './paths.ts'

const ARMS = ['default', 'nothing', 'elsewhere', 'power'] as const
type ArmName = (typeof ARMS)[number]

const HELP = `Validation study: does the report find what the simulator planted, and only that?

Usage: npm run study -- [--seeds 30] [--arms ${ARMS.join(',')}] [--tenants N]
                        [--sizes 100,200,400] [--budget 3600] [--scenario FILE] [--json FILE]

  --seeds N        seeds per arm (and per size in the power arm)             (default 30)
  --arms LIST      default:   the scenario as it is (its planted effects)
                   nothing:   the same scenario with nothing planted
                   elsewhere: effects planted on other features and plans
                              (report_export free->pro x3, team_invite churn x0.3)
                   power:     only an upgrade effect of 2x, then 1.5x, at each --sizes
  --tenants N      tenants per run in the first three arms       (default: the scenario's)
  --sizes LIST     tenant counts for the power arm                 (default 100,200,400)
  --budget S       stop starting seeds after S seconds, and report what ran  (default 3600)
  --scenario FILE  the base scenario                     (default: the simulator's default)
  --json FILE      also write every seed's outcome
  --help           this text

Each seed runs the simulator against the real API in this process (in-memory store, the real
tracker and OpenTelemetry exporter) and reads the metrics with the report's analysis. A planted
effect counts as found when its row is significant (Benjamini-Hochberg q < 0.05) and first in its
table. "Tenants needed" is the smallest size at which at least 80% of seeds found the effect
significant. Every run's metrics are also checked against its ledger (0 mismatches expected).`

interface ArmRun {
  arm: ArmName
  label: string
  outcomes: SeedOutcome[]
}

async function main(): Promise<number> {
  const values = parseCommandLine(HELP, {
    seeds: { type: 'string', default: '30' },
    arms: { type: 'string', default: ARMS.join(',') },
    tenants: { type: 'string' },
    sizes: { type: 'string', default: '100,200,400' },
    budget: { type: 'string', default: '3600' },
    scenario: { type: 'string' },
    json: { type: 'string' },
  })
  if (!values) return 0
  const seeds = positiveNumber('seeds', values.seeds, { integer: true })
  const budget = positiveNumber('budget', values.budget)
  const tenants =
    values.tenants === undefined ? undefined : positiveNumber('tenants', values.tenants, { integer: true })
  const sizes = values.sizes.split(',').map((s) => positiveNumber('sizes', s.trim(), { integer: true }))
  const arms = values.arms.split(',').map((a) => a.trim())
  for (const arm of arms) {
    if (!(ARMS as readonly string[]).includes(arm))
      throw new UsageError(`--arms: unknown arm ${arm}, expected ${ARMS.join(', ')}`)
  }
  const base = await loadScenario(values.scenario ? fromUserCwd(values.scenario) : DEFAULT_SCENARIO)
  const sized = tenants ? variant(base, { tenants }) : base
  const upgrade = base.scenario.planted.find((e) => e.effect === 'upgrade_boost')

  const plan: { arm: ArmName; label: string; scenario: typeof base }[] = []
  if (arms.includes('default')) plan.push({ arm: 'default', label: 'default', scenario: sized })
  if (arms.includes('nothing'))
    plan.push({ arm: 'nothing', label: 'nothing planted', scenario: variant(sized, { planted: [] }) })
  if (arms.includes('elsewhere')) {
    const elsewhere: PlantedEffect[] = [
      { effect: 'upgrade_boost', feature: 'report_export', from: 'free', to: 'pro', factor: 3 },
      { effect: 'churn_factor', feature: 'team_invite', factor: 0.3 },
    ]
    plan.push({
      arm: 'elsewhere',
      label: 'planted elsewhere',
      scenario: variant(sized, { planted: elsewhere }),
    })
  }
  if (arms.includes('power')) {
    const effect = upgrade ?? {
      effect: 'upgrade_boost',
      feature: 'integration_connect',
      from: 'pro',
      to: 'enterprise',
      factor: 3,
    }
    for (const factor of [2, 1.5]) {
      for (const size of sizes) {
        plan.push({
          arm: 'power',
          label: `${describeEffect({ ...effect, factor })}, ${size} tenants`,
          scenario: variant(base, { planted: [{ ...effect, factor }], tenants: size }),
        })
      }
    }
  }

  const started = Date.now()
  const runs: ArmRun[] = []
  const total = plan.length * seeds
  let done = 0
  outer: for (const { arm, label, scenario } of plan) {
    const run: ArmRun = { arm, label, outcomes: [] }
    runs.push(run)
    for (let seed = 1; seed <= seeds; seed++) {
      const elapsed = (Date.now() - started) / 1000
      if (elapsed > budget) {
        console.log(`study: budget of ${budget}s spent; reporting the ${done} of ${total} runs done`)
        break outer
      }
      const t0 = Date.now()
      const outcome = await runSeed(scenario, seed)
      run.outcomes.push(outcome)
      done++
      const perRun = (Date.now() - started) / 1000 / done
      const found = outcome.planted
        .map((p) => `${p.effect.feature} ${p.first ? 'first' : p.significant ? 'significant' : 'missed'}`)
        .join(', ')
      console.log(
        `  [${label}] seed ${seed}/${seeds}: ${found || (outcome.anySignificant ? 'something significant' : 'nothing significant')}` +
          ` (${outcome.requests} requests, ${((Date.now() - t0) / 1000).toFixed(0)}s; ${done}/${total} runs, ~${Math.round((perRun * (total - done)) / 60)} min left)`,
      )
    }
  }

  console.log(`\n${renderTables(runs)}`)
  console.log(`\nstudy: ${done} runs in ${((Date.now() - started) / 60_000).toFixed(1)} min`)
  if (values.json) await writeFile(fromUserCwd(values.json), `${JSON.stringify(runs, null, 2)}\n`)
  const mismatched = runs.flatMap((r) => r.outcomes).filter((o) => o.mismatches > 0)
  if (mismatched.length > 0) {
    console.log(`study: ${mismatched.length} runs whose metrics differ from their ledger`)
    return 1
  }
  return 0
}

const share = (k: number, n: number) => (n === 0 ? '-' : `${k}/${n} (${Math.round((100 * k) / n)}%)`)

export function renderTables(runs: readonly ArmRun[]): string {
  const lines = [
    '| arm | tenants | seeds | planted effect | significant | significant and first | seeds calling anything significant |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: |',
  ]
  // "Anything significant" is the false-positive count, so only arms with nothing planted show it.
  for (const { arm, label, outcomes } of runs.filter((r) => r.arm !== 'power')) {
    const n = outcomes.length
    const anything = share(outcomes.filter((o) => o.anySignificant).length, n)
    const effects = outcomes[0]?.planted.map((p) => p.effect) ?? []
    if (effects.length === 0)
      lines.push(`| ${label} | ${outcomes[0]?.tenants ?? '-'} | ${n} | none | - | - | ${anything} |`)
    for (const [i, effect] of effects.entries()) {
      const sig = outcomes.filter((o) => o.planted[i]?.significant).length
      const first = outcomes.filter((o) => o.planted[i]?.first).length
      lines.push(
        `| ${arm === 'default' ? 'default' : label} | ${outcomes[0]?.tenants} | ${n} | ${describeEffect(effect)} | ${share(sig, n)} | ${share(first, n)} | |`,
      )
    }
  }
  const power = runs.filter((r) => r.arm === 'power' && r.outcomes.length > 0)
  if (power.length > 0) {
    lines.push(
      '',
      '| power: effect, tenants | seeds | significant | significant and first |',
      '| --- | ---: | ---: | ---: |',
    )
    for (const { label, outcomes } of power) {
      const n = outcomes.length
      lines.push(
        `| ${label} | ${n} | ${share(outcomes.filter((o) => o.planted[0]?.significant).length, n)} | ${share(outcomes.filter((o) => o.planted[0]?.first).length, n)} |`,
      )
    }
    const needed = new Map<number, number | undefined>()
    for (const { outcomes } of power) {
      const effect = outcomes[0]?.planted[0]?.effect
      if (!effect) continue
      const hit = outcomes.filter((o) => o.planted[0]?.significant).length / outcomes.length
      if (!needed.has(effect.factor)) needed.set(effect.factor, undefined)
      if (hit >= 0.8 && needed.get(effect.factor) === undefined)
        needed.set(effect.factor, outcomes[0]?.tenants)
    }
    lines.push('')
    for (const [factor, size] of needed) {
      const largest = Math.max(
        ...power
          .filter((r) => r.outcomes[0]?.planted[0]?.effect.factor === factor)
          .map((r) => r.outcomes[0]?.tenants ?? 0),
      )
      lines.push(
        `Tenants needed to detect a ${factor}x upgrade effect in 80% of seeds: ${size ?? `more than ${largest}`}`,
      )
    }
  }
  return lines.join('\n')
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const known = [UsageError, ScenarioError].some((type) => error instanceof type)
    process.stderr.write(`study: ${known ? (error as Error).message : (error as Error).stack}\n`)
    process.exitCode = 2
  },
)
