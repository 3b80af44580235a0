/** Runs the README's ```ts example verbatim, as a user would paste it, against a real exporter. */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { METRICS } from '@feature-analytics/schema'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startPrometheusPage } from './prometheus-page.ts'

let page: Awaited<ReturnType<typeof startPrometheusPage>>
beforeAll(async () => {
  page = await startPrometheusPage()
  page.provider
    .getMeter('product.features')
    .createCounter(METRICS.usage)
    .add(3, { 'feature.name': 'report_export', 'user.plan': 'pro', 'feature.outcome': 'success' })
})
afterAll(() => page.close())

it('README example prints the catalog query and the summary', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  expect(code).toBeDefined()
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module-typescript', '--eval', code ?? ''],
    { cwd: new URL('..', import.meta.url), env: { ...process.env, METRICS_URL: page.url }, timeout: 20_000 },
  )
  expect(stdout).toContain('product_upgrade_prior_usage_total')
  expect(stdout).toMatch(/report_export\s+0\s+3\s+0\s+0/)
})
