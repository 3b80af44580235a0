/**
 * The console, for real, on the embedded source: a real API process, a seeded simulation against
 * it, the console polling the API's /metrics, and Debian's Chromium reading the page. Every panel
 * must render with data, show the numbers packages/insights computes from the same /metrics page,
 * raise no console error, and the panels that need the stack must say what to start.
 *
 * `UPDATE_SCREENSHOT=1 npx vitest run test/console.browser.test.ts` also writes docs/console.png.
 */

import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  CATALOG,
  type DriverRow,
  metricsEndpointSource,
  type Report,
  type Source,
} from '@feature-analytics/insights'
import { ADOPTION_STAGES } from '@feature-analytics/schema'
import { type ApiProcess, loadScenario, simulate, startApiProcess } from '@feature-analytics/simulator'
import { launchChromium } from '@feature-analytics/test-support/chromium'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPage } from '../build.ts'
import { count, interval, ms, probability, rateWithInterval, ratio } from '../src/page/format.ts'
import { stickinessCell } from '../src/page/views.ts'
import { createConsoleApp } from '../src/server/app.ts'
import { MetricsHistory } from '../src/server/history.ts'
import { embeddedSource } from '../src/server/sources.ts'
import { openConsole } from './open-console.ts'

const SCENARIO = fileURLToPath(new URL('../../simulator/scenarios/default.json', import.meta.url))
const REPORT_CLI = fileURLToPath(new URL('../../../packages/insights/src/cli/report.ts', import.meta.url))
const SCREENSHOT = fileURLToPath(new URL('../../../docs/console.png', import.meta.url))
const TOKEN = 'console-test-token-0123456789'
/** Enough billing decisions for some driver estimates and some "not enough data" rows. */
const TENANTS = 25
const PANELS = ['usage', 'funnel', 'upgrade-drivers', 'retention-drivers', 'active-users', 'latency']

let api: ApiProcess
let history: MetricsHistory
let server: Server
let consoleUrl: string
let pageDir: string
let browser: Browser
let expected: Report
let source: Source

beforeAll(async () => {
  pageDir = await buildPage(await mkdtemp(join(tmpdir(), 'console-page-')))
  api = await startApiProcess({ env: { SEED_DEMO: 'false', LOG_LEVEL: 'warn' } })
  history = new MetricsHistory({ urls: [api.metricsUrl], maxPoints: 1000, pollMs: 250 })
  history.start()
  const app = createConsoleApp({
    token: TOKEN,
    source: embeddedSource(history),
    jaegerUrl: undefined,
    pageDir,
  })
  server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  consoleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  // The default scenario with fewer tenants, played to the end: what the page must show is then a
  // function of the seed alone, not of how fast a loaded machine got through a time budget (a
  // 40 s cut of the full scenario made too few billing decisions for any driver estimate once).
  const base = await loadScenario(SCENARIO)
  const result = await simulate({
    targets: [api.url],
    scenario: {
      scenario: { ...base.scenario, tenants: TENANTS },
      sha256: `${base.sha256}+tenants=${TENANTS}`,
    },
    seed: 42,
    // A safety bound only: the run must end well before it.
    durationSeconds: 240,
    rate: 0,
    concurrency: 8,
  })
  expect(result.complete).toBe(true)
  expect(result.stats.requests).toBeGreaterThan(300)
  // One poll after the last call, then the history stands still: page and report read one instant.
  await history.poll()
  history.stop()
  await history.poll()
  source = await metricsEndpointSource(api.metricsUrl)
  // The numbers to find on the page: the report's JSON, written by `npm run report`'s program.
  const json = join(pageDir, 'report.json')
  await promisify(execFile)(process.execPath, [REPORT_CLI, '--api-metrics', api.metricsUrl, '--json', json])
  expected = JSON.parse(await readFile(json, 'utf8')) as Report
  browser = await launchChromium()
}, 330_000)

afterAll(async () => {
  history?.stop()
  await browser?.close()
  server?.closeAllConnections()
  server?.close()
  await api?.stop()
  if (pageDir) await rm(pageDir, { recursive: true, force: true })
})

const tableRows = (page: Page, selector: string) =>
  page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  )

/** Pixels a chart's canvas has drawn: an empty chart draws axes only, a chart with data far more. */
const paintedPixels = (page: Page, panel: string) =>
  page.$eval(`#panel-${panel} .chart canvas`, (canvas) => {
    const c = canvas as HTMLCanvasElement
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray()
    let painted = 0
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++
    return painted
  })

describe('insights console on the embedded source', () => {
  it('renders every panel with the numbers packages/insights computes, without console errors', async () => {
    const { page, errors } = await openConsole(browser, consoleUrl, TOKEN)
    for (const panel of PANELS) {
      const state = await page.waitForSelector(`#panel-${panel}:not([data-state="loading"])`)
      // A panel that is not ok says why: show that, and any page error, rather than a timeout.
      expect({
        panel,
        state: await state.getAttribute('data-state'),
        text: await state.innerText(),
        errors,
      }).toMatchObject({ state: 'ok' })
      await page.waitForSelector(`#panel-${panel} .chart canvas`)
    }
    // Tooltips too (hover each chart): nothing the charts draw may break the page's CSP.
    for (const panel of PANELS) {
      await page.hover(`#panel-${panel} .chart`)
      await page.waitForTimeout(300)
    }
    await page.mouse.move(0, 0)
    // The token left the address bar (it would otherwise end up in screenshots and bookmarks).
    expect(page.url()).not.toContain(TOKEN)
    // Charts are drawn (with data, not just axes).
    for (const panel of ['usage', 'funnel', 'active-users', 'latency'])
      expect(await paintedPixels(page, panel)).toBeGreaterThan(5000)

    // Panels that need the stack say what to start instead of failing.
    await page.waitForSelector('#panel-traces[data-state="unavailable"]')
    expect(await page.textContent('#panel-traces .message')).toContain('npm run stack:up')
    expect(await page.textContent('#panel-latency .scope')).toContain('npm run stack:up')

    if (process.env.UPDATE_SCREENSHOT) {
      await writeFile(SCREENSHOT, await page.screenshot({ fullPage: true }))
    } else {
      expect((await page.screenshot({ fullPage: true })).length).toBeGreaterThan(20_000)
    }

    // One click turns each chart into its numbers; they are the report's.
    await page.click('#panel-usage .toggle')
    expect(await tableRows(page, '#panel-usage .table')).toEqual(
      expected.usage.map((r) => [r.feature, r.plan, count(r.calls)]),
    )
    expect(expected.usage.length).toBeGreaterThan(10)

    await page.click('#panel-funnel .toggle')
    expect(await tableRows(page, '#panel-funnel .table')).toEqual(
      expected.funnel.map((r) => [
        r.feature,
        ...ADOPTION_STAGES.map((s) => count(r.stages[s])),
        ...ADOPTION_STAGES.slice(1).map((to) => {
          const step = r.conversions.find((c) => c.to === to)
          return step ? rateWithInterval(step.rate, step.low, step.high) : 'no users'
        }),
      ]),
    )

    const driverRow = (r: DriverRow) => [
      r.feature,
      r.plan,
      count(r.users),
      count(r.nonUsers),
      r.ratio === null ? 'not enough data' : ratio(r.ratio),
      interval(r.ciLow, r.ciHigh),
      probability(r.pValue),
      probability(r.qValue),
      r.significant ? 'yes' : 'no',
    ]
    for (const [panel, rows] of [
      ['upgrade-drivers', expected.upgradeDrivers],
      ['retention-drivers', expected.retentionDrivers],
    ] as const) {
      await page.click(`#panel-${panel} .toggle`)
      expect(await tableRows(page, `#panel-${panel} .table`)).toEqual(rows.map(driverRow))
    }
    // Rows with an estimate and rows with "not enough data" both reached the page.
    const drivers = [...expected.upgradeDrivers, ...expected.retentionDrivers]
    expect(drivers.some((r) => r.ratio !== null)).toBe(true)
    expect(drivers.some((r) => r.ratio === null)).toBe(true)

    // Active users and stickiness: the report's rows (each user who visited a page, once).
    await page.click('#panel-active-users .toggle')
    expect(await tableRows(page, '#panel-active-users .table')).toEqual(
      expected.activeUsers.map((r) => [
        r.feature,
        r.plan,
        count(r.dau),
        count(r.wau),
        count(r.mau),
        stickinessCell(r),
      ]),
    )
    expect(expected.activeUsers.length).toBeGreaterThan(5)
    expect(expected.activeUsers.some((r) => r.stickiness !== null)).toBe(true)

    await page.click('#panel-latency .toggle')
    const [overTime, summary] = await Promise.all([
      tableRows(page, '#panel-latency .table table:nth-of-type(1)'),
      tableRows(page, '#panel-latency .table table:nth-of-type(2)'),
    ])
    const quantile = async (q: number) =>
      new Map(
        (await source.query({ ...CATALOG.latencyP95.expr, q } as typeof CATALOG.latencyP95.expr)).map((s) => [
          s.labels.feature_name,
          s.value,
        ]),
      )
    const [p50, p99] = await Promise.all([quantile(0.5), quantile(0.99)])
    expect(summary.map((row) => row[0])).toEqual(expected.latencyP95.map((r) => r.feature))
    expect(summary).toEqual(
      expected.latencyP95.map((r) => [
        r.feature,
        ms(p50.get(r.feature) ?? 0),
        ms(r.p95Ms),
        ms(p99.get(r.feature) ?? 0),
      ]),
    )
    // The time axis: points since the console started, each with quantiles of the calls before it.
    expect(overTime.length).toBeGreaterThan(3)
    expect(overTime.some((row) => row.slice(1).every((cell) => Number(cell) > 0))).toBe(true)

    expect(errors).toEqual([])
    await page.close()
  })

  it('shows no data without the token, and asks for it', async () => {
    const refused = await fetch(`${consoleUrl}/api/panels`)
    expect(refused.status).toBe(401)
    expect(JSON.stringify(await refused.json())).not.toContain('usage')
    const page = await browser.newPage()
    await page.goto(`${consoleUrl}/`)
    await page.waitForSelector('#token-form:not([hidden])')
    await page.fill('#token-input', 'wrong-token-wrong-token')
    await page.click('#token-form button')
    await page.waitForSelector('#token-error:has-text("refused")')
    await page.fill('#token-input', TOKEN)
    await page.click('#token-form button')
    await page.waitForSelector('#panel-usage[data-state="ok"]')
    await page.close()
  })
})
