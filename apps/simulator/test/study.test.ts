/**
 * The validation study in small (the full table is in packages/insights/README.md, from
 * `npm run study`): one seed each through the real in-process API. A strong planted upgrade
 * effect must come out significant and first; the same scenario with nothing planted must call
 * nothing significant; and every run's metrics must equal its ledger.
 */
import { expect, it } from 'vitest'
import { DEFAULT_SCENARIO } from '../src/cli/paths.ts'
import { loadScenario } from '../src/scenario.ts'
import { runSeed, variant } from '../src/study/study.ts'

it('finds a strong planted upgrade driver first, and nothing when nothing is planted', async () => {
  const base = await loadScenario(DEFAULT_SCENARIO)
  const strong = variant(base, {
    planted: [
      { effect: 'upgrade_boost', feature: 'integration_connect', from: 'pro', to: 'enterprise', factor: 6 },
    ],
  })
  const planted = await runSeed(strong, 3)
  expect(planted.mismatches).toBe(0)
  expect(planted.planted[0], JSON.stringify(planted)).toMatchObject({ significant: true, first: true })

  const nothing = await runSeed(variant(base, { planted: [] }), 3)
  expect(nothing.mismatches).toBe(0)
  expect(nothing.planted).toEqual([])
  expect(nothing.anySignificant).toBe(false)
}, 1_200_000)
