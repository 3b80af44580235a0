/**
 * The README's example is examples/client.ts, included verbatim; this runs that file as a separate
 * process against a real API (demo accounts seeded) and checks what it prints.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApi, type TestApi } from '../src/testing.ts'

const example = fileURLToPath(new URL('../examples/client.ts', import.meta.url))

let api: TestApi
beforeAll(async () => {
  api = await startApi({}, true)
})
afterAll(async () => {
  await api.close()
})

it('the README shows examples/client.ts as it is', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  expect(block).toBe(readFileSync(example, 'utf8'))
})

it('runs the README example against the API', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [example], {
    env: { ...process.env, API_URL: api.url },
    timeout: 30_000,
  })
  expect(stdout).toBe(
    'pro tenant shared dashboard "Signups" with pat@example.com\ningest rejected 0 points; catalog has 11 features\n',
  )
})
