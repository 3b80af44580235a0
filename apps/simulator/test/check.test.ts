/**
 * The ledger agrees with the API's own metrics: simulate and check run as the CLIs people use,
 * against the real API on an ephemeral port.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApi, type TestApi } from './api.ts'

const SHORT = fileURLToPath(new URL('./fixtures/short.json', import.meta.url))
const cli = (name: string) => fileURLToPath(new URL(`../src/cli/${name}.ts`, import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

const run = (name: string, args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [cli(name), ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })

/** The short scenario against `target`, its ledger written to `ledger`. */
const simulate = (target: string, ledger: string, options: string[]) =>
  run('simulate', ['--target', target, '--scenario', SHORT, '--ledger', ledger, ...options])

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simulator-check-'))
})

describe('simulate, then check --api-metrics', () => {
  let api: TestApi
  beforeAll(async () => {
    api = await startTestApi()
  })
  afterAll(() => api.close())

  it('finds every ledger entry in the API’s metrics, and reports a doctored ledger', async () => {
    const ledger = join(dir, 'ledger.json')
    const sim = await simulate(api.url, ledger, ['--seed', '3', '--rate', '0'])
    expect(sim.stderr).toMatch(/simulate: done in .* requests/)
    expect(sim.code).toBe(0)

    const good = await run('check', ['--ledger', ledger, '--api-metrics', api.metricsUrl])
    const last = good.stdout.trim().split('\n').at(-1) ?? ''
    expect(good.stdout).not.toContain('MISMATCH')
    expect(last).toMatch(/^checked \d+ series, 0 mismatches$/)
    expect(Number(/checked (\d+)/.exec(last)?.[1])).toBeGreaterThan(50)
    expect(good.code).toBe(0)

    const data = JSON.parse(await readFile(ledger, 'utf8'))
    data.totals['product.feature.usage'][0].value += 1
    const doctored = join(dir, 'doctored.json')
    await writeFile(doctored, JSON.stringify(data))
    const bad = await run('check', ['--ledger', doctored, '--api-metrics', api.metricsUrl])
    expect(bad.stdout).toMatch(/MISMATCH product\.feature\.usage\{.*\}: ledger \d+, source \d+ \(-1\)/)
    expect(bad.stdout.trim().split('\n').at(-1)).toMatch(/^checked \d+ series, 1 mismatches$/)
    expect(bad.code).toBe(1)

    // Distinct active users (the ledger knows who visited which page) agree within the sketch's
    // error in every window, and a count off by more than that is reported.
    const truth = JSON.parse(await readFile(ledger, 'utf8'))
    expect(truth.activeUsers.length).toBeGreaterThan(3)
    expect(good.stdout).not.toContain('product.feature.distinct_users')
    const entry = truth.activeUsers[0]
    entry.users += 5
    const inflated = join(dir, 'inflated.json')
    await writeFile(inflated, JSON.stringify(truth))
    const off = await run('check', ['--ledger', inflated, '--api-metrics', api.metricsUrl])
    const lines = off.stdout.split('\n').filter((l) => l.startsWith('MISMATCH'))
    expect(lines).toHaveLength(3)
    for (const line of lines)
      expect(line).toMatch(/^MISMATCH product\.feature\.distinct_users\{.*\}: ledger \d+, source \d+ \(-5\)$/)
    expect(off.code).toBe(1)
  })

  it('a run cut short by --duration warns, and its ledger still matches the server', async () => {
    const fresh = await startTestApi()
    try {
      const ledger = join(dir, 'short.json')
      const sim = await simulate(fresh.url, ledger, ['--rate', '40', '--duration', '1'])
      expect(sim.stderr).toContain('WARNING: the --duration budget of 1s ran out')
      expect(sim.code).toBe(0)
      const check = await run('check', ['--ledger', ledger, '--api-metrics', fresh.metricsUrl])
      expect(check.stdout.trim()).toMatch(/checked [1-9]\d* series, 0 mismatches$/)
    } finally {
      await fresh.close()
    }
  })
})

describe('check refuses what it cannot check', () => {
  it('exits 1 on an empty ledger, 2 on bad usage or an unreadable source', async () => {
    const empty = join(dir, 'empty.json')
    await writeFile(
      empty,
      JSON.stringify({ version: 1, seed: 1, scenario: { name: 'x', sha256: '0' }, totals: {}, planted: [] }),
    )
    const api = await startTestApi()
    try {
      const none = await run('check', ['--ledger', empty, '--api-metrics', api.metricsUrl])
      expect(none.stdout.trim()).toBe('checked 0 series, 0 mismatches')
      expect(none.code).toBe(1)
    } finally {
      await api.close()
    }
    const both = await run('check', ['--ledger', empty])
    expect(both.stderr).toContain('give exactly one of --prometheus URL or --api-metrics URL')
    expect(both.code).toBe(2)
    const broken = join(dir, 'broken.json')
    await writeFile(broken, JSON.stringify({ version: 2 }))
    const format = await run('check', ['--ledger', broken, '--prometheus', 'http://127.0.0.1:9'])
    expect(format.stderr).toContain('ledger.version: expected 1')
    expect(format.code).toBe(2)
    const one = join(dir, 'one.json')
    await writeFile(
      one,
      JSON.stringify({
        version: 1,
        seed: 1,
        scenario: { name: 'x', sha256: '0' },
        totals: {
          'product.plan.change': [{ attributes: { 'plan.from': 'free', 'plan.to': 'pro' }, value: 1 }],
        },
        planted: [],
      }),
    )
    const down = await run('check', ['--ledger', one, '--prometheus', 'http://127.0.0.1:9'])
    expect(down.stderr).toMatch(/check: .*product_plan_change_total.*127\.0\.0\.1:9/)
    expect(down.code).toBe(2)
  })
})
