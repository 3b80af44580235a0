/**
 * The whole browser path, for real, served both ways the platform serves its UI: by the API itself
 * (embedded demo, local stack) and by nginx in front of the API (the compose `web` service, its
 * config rendered from apps/web/nginx/). Headless Chromium signs in as the demo pro tenant, clicks
 * three feature buttons, spends time in the feature and navigates away. The API's own aggregation
 * must then hold exactly those three clicks and one time-spent sample, stamped from the session,
 * next to the server-side usage of the same calls.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_PASSWORD, startApi, type TestApi } from '@feature-analytics/api/testing'
import { ATTR, METRICS } from '@feature-analytics/schema'
// One launcher for every browser test in the repo: Debian's Chromium, never a downloaded one.
import { launchChromium } from '@feature-analytics/test-support/chromium'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INGEST_BODY_LIMIT } from '../../api/src/routes/ingest.ts'
import { CSP } from '../../api/src/static.ts'
import { buildWeb } from '../build.ts'
import { type Nginx, startNginx } from './nginx.ts'

let browser: Browser
let dist: string

beforeAll(async () => {
  dist = await buildWeb(await mkdtemp(join(tmpdir(), 'web-dist-')))
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  if (dist) await rm(dist, { recursive: true, force: true })
})

const until = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const setups = [
  { name: 'the API serves the UI', viaNginx: false },
  { name: 'nginx serves the UI and proxies the API (compose web service)', viaNginx: true },
]

describe.each(setups)('$name', ({ viaNginx }) => {
  let api: TestApi
  let nginx: Nginx | undefined
  let base: string

  beforeAll(async () => {
    // Behind nginx the API serves no UI at all, so every page must come from nginx.
    api = await startApi({ webDist: viaNginx ? join(dist, 'absent') : dist }, true)
    nginx = viaNginx ? await startNginx(dist, api.url) : undefined
    base = nginx?.url ?? api.url
  }, 30_000)

  afterAll(async () => {
    await nginx?.stop()
    await api?.close()
  })

  it('records exactly the clicks and the time spent of a signed-in session', async () => {
    const user = await api.store.findUserByEmail('demo-pro@example.com')
    const tenantId = user?.tenantId ?? ''
    const page = await browser.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(String(error)))

    await page.goto(`${base}/`)
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
    // The visit of the feature's page made its user active on it today (and this week and month).
    for (const window of ['1d', '7d', '30d']) {
      expect(
        metrics.sum(METRICS.distinctUsers, {
          [ATTR.featureName]: 'report_export',
          [ATTR.userPlan]: 'pro',
          [ATTR.activityWindow]: window,
        }),
      ).toBe(1)
    }
    expect(metrics.sum(METRICS.dropped)).toBe(0)
    expect(pageErrors).toEqual([])
  }, 90_000)

  it('serves the page with its security headers, the health routes and the API’s own errors', async () => {
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBe(CSP)
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    // An oversized ingest body gets the API's JSON 413 naming the limit, behind nginx too (which
    // answers it itself, with the same body, rather than let the API reset the upload).
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'demo-free@example.com', password: DEMO_PASSWORD }),
    })
    const { token } = (await login.json()) as { token: string }
    const big = await fetch(`${base}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: 'x'.repeat(1024 * 1024),
    })
    expect(big.status).toBe(413)
    expect((await big.json()).error).toEqual({
      code: 'payload_too_large',
      message: `request body exceeds the limit of ${INGEST_BODY_LIMIT} bytes`,
    })
  })
})
