import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadScenario, parseScenario, ScenarioError } from '../src/index.ts'

const DEFAULT = new URL('../scenarios/default.json', import.meta.url)
const valid = async () => JSON.parse(await readFile(DEFAULT, 'utf8'))

/** The messages a bad scenario produces, or [] when it is accepted. */
function issuesOf(data: unknown): readonly string[] {
  try {
    parseScenario(data)
    return []
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues
    throw error
  }
}

describe('scenario schema', () => {
  it('accepts the shipped default scenario', async () => {
    const { scenario, sha256 } = await loadScenario(DEFAULT.pathname)
    expect(scenario.tenants).toBe(100)
    expect(scenario.planted).toContainEqual({
      effect: 'upgrade_boost',
      feature: 'integration_connect',
      from: 'pro',
      to: 'enterprise',
      factor: 3,
    })
    expect(sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('names the field of a share outside [0, 1]', async () => {
    const data = await valid()
    data.plans.pro.share = 1.5
    expect(issuesOf(data)).toContain('scenario.plans.pro.share: expected a number between 0 and 1')
  })

  it('rejects plan shares that do not add up to 1', async () => {
    const data = await valid()
    data.plans.free.share = 0.2
    expect(issuesOf(data)).toContain('scenario.plans: the plan shares must add up to 1')
  })

  it('rejects an unknown feature in an affinity map, naming it', async () => {
    const data = await valid()
    data.plans.free.affinity.teleport = 0.5
    const issues = issuesOf(data)
    expect(issues.some((i) => i.startsWith('scenario.plans.free.affinity.teleport:'))).toBe(true)
  })

  it('rejects a range whose max is below its min', async () => {
    const data = await valid()
    data.activity.actionsPerSession = { min: 5, max: 2 }
    expect(issuesOf(data)).toContain('scenario.activity.actionsPerSession.max: must not be less than min')
  })

  it('checks planted effects: the kind, the plans, the factor', async () => {
    const data = await valid()
    data.planted = [
      { effect: 'upgrade_boost', feature: 'search', from: 'free', to: 'enterprise', factor: 2 },
      { effect: 'churn_factor', feature: 'search', factor: -1 },
      { effect: 'teleport', feature: 'search', factor: 1 },
    ]
    const issues = issuesOf(data)
    expect(issues).toContain(
      'scenario.planted.0.to: expected the plan right above from (free -> pro, pro -> enterprise)',
    )
    expect(issues).toContain('scenario.planted.1.factor: expected a positive number')
    expect(issues.some((i) => i.startsWith('scenario.planted.2.effect:'))).toBe(true)
  })

  it('checks a latency spike: a catalog feature, a plan, an integer work factor, a share', async () => {
    const data = await valid()
    const spike = { effect: 'latency_spike', feature: 'report_export', plan: 'pro', factor: 8, share: 0.1 }
    data.planted = [spike, { ...spike, factor: 2.5, share: 1.5 }, { ...spike, plan: undefined }]
    const issues = issuesOf(data)
    expect(issues).toContain('scenario.planted.1.factor: expected an integer between 2 and 50')
    expect(issues).toContain('scenario.planted.1.share: expected a number between 0 and 1')
    expect(issues.some((i) => i.startsWith('scenario.planted.2.plan:'))).toBe(true)
    expect(issues.filter((i) => i.startsWith('scenario.planted.0'))).toEqual([])
  })

  it('reports every problem at once, including missing and unknown fields', async () => {
    const data = await valid()
    delete data.tenants
    data.periods = 2.5
    data.colour = 'blue'
    const issues = issuesOf(data)
    expect(issues).toContain('scenario.tenants: expected an integer between 1 and 100000')
    expect(issues).toContain('scenario.periods: expected an integer between 1 and 120')
    expect(issues.some((i) => i.startsWith('scenario:') && i.includes('colour'))).toBe(true)
  })

  it('says which file is not JSON', async () => {
    const file = join(tmpdir(), `scenario-${process.pid}.json`)
    await writeFile(file, '{ "name": ')
    await expect(loadScenario(file)).rejects.toThrow(new RegExp(`invalid scenario ${file}:\\n  not JSON`))
  })
})
