/**
 * The whole browser path, for real: the API serves the freshly built web app on an ephemeral port;
 * headless Chromium signs in as the demo pro tenant, clicks three feature buttons, spends time in the
 * feature and navigates away. The API's own aggregation must then hold exactly those three clicks and
 * one time-spent sample, stamped from the session, next to the server-side usage of the same calls.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ATTR, METRICS } from '@feature-analytics/schema'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
// One launcher for every browser test in the repo: Debian's Chromium, never a downloaded one.
import { launchChromium } from '../../../packages/tracker-web/test/chromium.ts'
import { DEMO_PASSWORD, startApi, type TestApi } from '../../api/test/harness.ts'
import { buildWeb } from '../build.ts'

let api: TestApi
let browser: Browser
let dist: string

beforeAll(async () => {
  dist = await buildWeb(await mkdtemp(join(tmpdir(), 'web-dist-')))
  api = await startApi({ webDist: dist }, true)
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await api?.close()
  if (dist) await rm(dist, { recursive: true, force: true })
})

const until = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

it('records exactly the clicks and the time spent of a signed-in session', async () => {
  const user = await api.store.findUserByEmail('demo-pro@example.com')
  const tenantId = user?.tenantId ?? ''
  const page = await browser.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(String(error)))

  await page.goto(`${api.url}/`)
  await page.fill('#login-email', 'demo-pro@example.com')
  await page.fill('#login-password', DEMO_PASSWORD)
  await page.click('#login-submit')
  await page.click('#nav-report_export')

  for (const format of ['csv', 'pdf', 'xlsx']) {
    await page.click(`#report-export-${format}`)
    await page.waitForFunction(
      (f) => document.querySelector('#result.ok')?.textContent?.includes(`"format": "${f}"`),
      format,
    )
  }
  await page.waitForTimeout(300) // time in the feature; its value is not asserted
  await page.goto('about:blank')

  const stamped = { [ATTR.tenantId]: tenantId, [ATTR.userPlan]: 'pro' }
  await until(async () => {
    const metrics = await api.metrics()
    return (
      metrics.sum(METRICS.click, stamped) >= 3 &&
      metrics.count(METRICS.timeSpent, { [ATTR.userPlan]: 'pro' }) >= 1
    )
  }, 'the browser export')

  const metrics = await api.metrics()
  for (const format of ['csv', 'pdf', 'xlsx']) {
    expect(
      metrics.sum(METRICS.click, {
        ...stamped,
        [ATTR.featureName]: 'report_export',
        [ATTR.uiElement]: `report-export-${format}`,
      }),
    ).toBe(1)
  }
  expect(metrics.sum(METRICS.click)).toBe(3)
  const samples = metrics.histograms(METRICS.timeSpent)
  expect(samples).toHaveLength(1)
  expect(samples[0]?.count).toBe(1)
  expect(samples[0]?.sum).toBeGreaterThan(0)
  expect(metrics.points(METRICS.timeSpent)[0]?.attributes).toEqual({
    [ATTR.featureName]: 'report_export',
    [ATTR.userPlan]: 'pro',
  })
  // The same clicks reached the feature route: server-side usage agrees.
  expect(
    metrics.sum(METRICS.usage, {
      ...stamped,
      [ATTR.featureName]: 'report_export',
      [ATTR.outcome]: 'success',
    }),
  ).toBe(3)
  expect(metrics.sum(METRICS.dropped)).toBe(0)
  expect(pageErrors).toEqual([])
}, 90_000)
