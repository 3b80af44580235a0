/** `npm run report` as a user runs it: a child process against a real exporter page, writing JSON. */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { recordDataset } from './dataset.ts'
import { startPrometheusPage } from './prometheus-page.ts'

const CLI = fileURLToPath(new URL('../src/cli/report.ts', import.meta.url))
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8' }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  )

let page: Awaited<ReturnType<typeof startPrometheusPage>>
let dir = ''

beforeAll(async () => {
  page = await startPrometheusPage()
  recordDataset(page.provider)
  dir = await mkdtemp(join(tmpdir(), 'report-cli-'))
})

afterAll(async () => {
  await page.close()
  await rm(dir, { recursive: true, force: true })
})

it('prints the tables and writes the drivers with their uncertainty as JSON', async () => {
  const file = join(dir, 'r.json')
  const { code, stdout } = await run(['--api-metrics', page.url, '--json', file])
  expect(code).toBe(0)
  expect(stdout).toContain('Upgrade drivers')
  const report = JSON.parse(await readFile(file, 'utf8'))
  for (const table of ['upgradeDrivers', 'retentionDrivers']) {
    const [first] = report[table]
    for (const field of [
      'feature',
      'plan',
      'users',
      'nonUsers',
      'ratio',
      'ciLow',
      'ciHigh',
      'pValue',
      'qValue',
      'significant',
    ]) {
      expect(first, `${table}[0].${field}`).toHaveProperty(field)
    }
  }
  expect(report.upgradeDrivers[0]).toMatchObject({ feature: 'integration_connect', significant: true })
  expect(report.method.alpha).toBe(0.05)
  // Active users and stickiness, with its interval or "not enough data".
  expect(stdout).toMatch(/search\s+pro\s+6\s+15\s+24\s+25% \(23%-27%\)/)
  expect(
    report.activeUsers.map((r: { plan: string; stickiness: number | null }) => [r.plan, r.stickiness]),
  ).toEqual([
    ['pro', 0.25],
    ['free', null],
  ])
}, 60_000)

it('refuses a window on an API page and bad usage, with exit status 2', async () => {
  const [windowed, neither, badWindow] = await Promise.all([
    run(['--api-metrics', page.url, '--window', '30d']),
    run([]),
    run(['--prometheus', 'http://127.0.0.1:1', '--window', 'a month']),
  ])
  expect(windowed.code).toBe(2)
  expect(windowed.stderr).toMatch(/a window needs --prometheus/)
  expect(neither.code).toBe(2)
  expect(neither.stderr).toMatch(/exactly one of --prometheus/)
  expect(badWindow.code).toBe(2)
  expect(badWindow.stderr).toMatch(/invalid duration/)
}, 60_000)
