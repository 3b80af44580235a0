/** `npm run demo` end to end, as a user runs it, stopped after its summary with --exit. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** The table rows under a section title, up to the next blank line. */
function rows(output: string, title: string): string[] {
  const section = output.split('\n\n').find((block) => block.trimStart().startsWith(title))
  return section ? section.trim().split('\n').slice(2) : []
}

it('prints usage and adoption from the API’s own metrics, then exits', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        [
          'scripts/demo.ts',
          '--exit',
          '--port',
          '0',
          '--metrics-port',
          '0',
          '--console-port',
          '0',
          '--duration',
          '15',
        ],
        { cwd: ROOT, timeout: 150_000, maxBuffer: 4 << 20 },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
      )
    },
  )
  expect(stderr).toBe('')
  expect(code).toBe(0)
  const usage = rows(stdout, 'Usage by feature and plan')
  expect(usage.length).toBeGreaterThan(0)
  expect(usage.some((row) => /^\s+dashboard_create\s+\d+\s+\d+\s+\d+\s+\d+$/.test(row))).toBe(true)
  const funnel = rows(stdout, 'Adoption funnel')
  expect(funnel.length).toBeGreaterThan(0)
  // Users per stage, then each conversion with its interval (or '-' when a stage has no users).
  expect(funnel.every((row) => /^\s+\w+(\s+\d+){4}(\s+(-|\d+% \(\d+%-\d+%\))){3}$/.test(row))).toBe(true)
  // The upgrade and retention tables carry ratios with intervals, or say there is not enough data.
  const drivers = rows(stdout, 'Upgrade drivers').filter((row) => !row.trimStart().startsWith('Significant'))
  expect(drivers.length).toBeGreaterThan(0)
  expect(drivers.every((row) => /\d+\.\d+x\s+\d+\.\d+-\d+\.\d+|not enough data/.test(row))).toBe(true)
  // What the demo measured is exactly what it did.
  expect(stdout).toMatch(/Ledger vs metrics: checked [1-9]\d* series, 0 mismatches/)
  expect(stdout).toMatch(/Web UI\s+http:\/\/127\.0\.0\.1:\d+\//)
  expect(stdout).toMatch(/Metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/)
  expect(stdout).toMatch(/Console\s+http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{32}/)
})
