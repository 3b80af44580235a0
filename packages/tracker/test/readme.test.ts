import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'

// The README shows examples/quickstart.ts verbatim; importing the file runs exactly what a reader copies.
describe('README', () => {
  // Paths are relative to the package directory, where both `npm test` and `npm run test:deno` run.
  const read = (path: string) => readFileSync(path, 'utf8')

  it('shows examples/quickstart.ts verbatim', () => {
    assert.ok(read('README.md').includes(`\`\`\`ts\n${read('examples/quickstart.ts')}\`\`\``))
  })

  it('runs the example and gets the numbers it promises', async () => {
    const { stages, totals } = await import('../examples/quickstart.ts')
    assert.deepEqual(stages, ['report_export:discovered', 'report_export:activated'])
    assert.equal(totals['product.feature.usage'], 3)
    assert.equal(totals['product.feature.latency'], 3)
    assert.equal(totals['product.tracker.dropped'], 1)
    assert.equal(totals['product.plan.change'], 1)
    assert.equal(totals['product.upgrade.prior_usage'], 1)
    assert.equal(totals['product.feature.active_users'], 0)
  })
})
