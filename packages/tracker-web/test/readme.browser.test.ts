/**
 * Runs the README's example as written, bundled for the browser, in headless Chromium: two clicks,
 * then the user navigates away, and the pagehide flush must deliver exactly those two clicks and one
 * time-spent sample, with the session cookie, to a real HTTP server.
 */
import { readFileSync } from 'node:fs'
import { ATTR, METRICS } from '@feature-analytics/schema'
import { launchChromium, waitUntil } from '@feature-analytics/test-support/chromium'
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { attr, pointsOf, startCollector, type TestCollector } from './collector.ts'

const packageDir = new URL('..', import.meta.url).pathname
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]

const PAGE = `<!doctype html><html><body>
<button id="export-csv">Export CSV</button><button id="done">Done</button>
<script type="module" src="/example.js"></script></body></html>`

let browser: Browser
let collector: TestCollector

beforeAll(async () => {
  if (!example) throw new Error('README.md has no ```ts example block')
  const bundle = await build({
    stdin: { contents: example, resolveDir: packageDir, loader: 'ts', sourcefile: 'README-example.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  collector = await startCollector((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, {
        'content-type': 'text/html',
        'set-cookie': 'session=readme-test; HttpOnly; SameSite=Strict; Path=/',
      })
      res.end(PAGE)
    } else if (req.url === '/example.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    } else if (req.url === '/elsewhere') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>elsewhere</p>')
    } else return false
    return true
  })
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await collector?.close()
})

it('delivers the clicks and the time spent on pagehide, same-origin with the cookie', async () => {
  const page = await browser.newPage()
  await page.goto(`${collector.url}/`)
  await page.waitForFunction(() =>
    performance.getEntriesByType('resource').some((e) => e.name.endsWith('/example.js')),
  )
  await page.click('#export-csv')
  await page.click('#export-csv')
  await page.goto(`${collector.url}/elsewhere`)

  const clicks = () => pointsOf(collector.received, METRICS.click).reduce((n, p) => n + Number(p.asInt), 0)
  const samples = () =>
    pointsOf(collector.received, METRICS.timeSpent).reduce((n, p) => n + Number(p.count), 0)
  await waitUntil(() => clicks() >= 2 && samples() >= 1, 'the pagehide export')

  expect(clicks()).toBe(2)
  expect(samples()).toBe(1)
  const [click] = pointsOf(collector.received, METRICS.click)
  expect(click && attr(click, ATTR.featureName)).toBe('report_export')
  expect(click && attr(click, ATTR.uiElement)).toBe('export-csv')
  for (const request of collector.received) expect(request.cookie).toBe('session=readme-test')
  await page.close()
}, 60_000)
