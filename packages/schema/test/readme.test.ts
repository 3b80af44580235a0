import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'

// The README shows examples/names.ts verbatim; importing the file runs exactly what a reader copies.
describe('README', () => {
  // Paths are relative to the package directory, where both `npm test` and `npm run test:deno` run.
  const read = (path: string) => readFileSync(path, 'utf8')

  it('shows examples/names.ts verbatim', () => {
    assert.ok(read('README.md').includes(`\`\`\`ts\n${read('examples/names.ts')}\`\`\``))
  })

  it('runs the example and gets the names it promises', async () => {
    const example = await import('../examples/names.ts')
    assert.deepEqual(example.instrument, { meter: 'product.features', name: 'product.feature.usage' })
    assert.deepEqual(example.attributes, { 'feature.name': 'report_export', 'user.plan': 'pro' })
    assert.equal(example.promql, 'sum by (feature_name) (product_feature_usage_total)')
    assert.equal(example.activatedAt, 3)
    assert.equal(example.userIdIsForbidden, true)
  })
})
