/** Runs the README's ```ts example verbatim against the real API, as a user would paste it. */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestApi, type TestApi } from './api.ts'

let api: TestApi
beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

it('README example simulates and checks the ledger against the API’s metrics', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  expect(code).toContain('simulate(')
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module-typescript', '--eval', code ?? ''],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        ...process.env,
        SCENARIO: fileURLToPath(new URL('./fixtures/short.json', import.meta.url)),
        API_URL: api.url,
        METRICS_URL: api.metricsUrl,
      },
      timeout: 120_000,
    },
  )
  expect(stdout).toMatch(/^\d+ requests, \d+ events, complete: true$/m)
  expect(stdout.trim().split('\n').at(-1)).toMatch(/^checked [1-9]\d* series, 0 mismatches$/)
})
