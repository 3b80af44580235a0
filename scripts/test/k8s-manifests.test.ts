/**
 * The manifest check must fail on a broken manifest, not only pass on the good one: each case
 * copies deploy/k8s, breaks one thing and expects kubeconform (or kustomize) to refuse it, naming
 * what is wrong. Needs the tools scripts/provision builds (`npm test` runs it first).
 */
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { validateCollectorConfigs, validateTree } from '../lib/k8s-manifests.ts'
import { ROOT } from '../stack/paths.ts'

const scratch = mkdtempSync(join(tmpdir(), 'k8s-manifests-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

/** A copy of deploy/k8s with one file edited. */
function brokenCopy(name: string, file: string, edit: (text: string) => string): string {
  const dir = join(scratch, name)
  cpSync(join(ROOT, 'deploy/k8s'), dir, { recursive: true })
  const path = join(dir, file)
  const before = readFileSync(path, 'utf8')
  const after = edit(before)
  assert.notEqual(after, before, `the edit of ${file} changed nothing`)
  writeFileSync(path, after)
  return dir
}

test('deploy/k8s validates', () => {
  const result = validateTree(join(ROOT, 'deploy/k8s'))
  assert.ok(result.ok, result.output)
  assert.match(result.output, /Invalid: 0, Errors: 0, Skipped: 0/)
})

const broken: [string, string, (text: string) => string, RegExp][] = [
  [
    'a misspelt field',
    'base/api.yaml',
    (text) => text.replace('  replicas: 2', '  replica: 2'),
    /Deployment api is invalid.*additional properties 'replica' not allowed/,
  ],
  [
    'a port given as a string',
    'base/redis.yaml',
    (text) => text.replace('containerPort: 6379', 'containerPort: "6379"'),
    /StatefulSet redis is invalid.*containerPort.*got string, want integer/,
  ],
  [
    'a container without a name',
    'base/thanos-query.yaml',
    (text) => text.replace('        - name: query\n          image:', '        - image:'),
    /Deployment thanos-query is invalid.*missing property 'name'/,
  ],
  [
    'a kind with no schema',
    'base/jaeger.yaml',
    (text) =>
      `${text}---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: jaeger\n`,
    /could not find schema for ServiceMonitor/,
  ],
  [
    'a resource kustomize cannot find',
    'base/kustomization.yaml',
    (text) => text.replace('  - redis.yaml', '  - redis-typo.yaml'),
    /kustomize build .* failed/,
  ],
]

for (const [name, file, edit, expected] of broken) {
  test(`refuses ${name}`, () => {
    const result = validateTree(brokenCopy(name.replace(/\W+/g, '-'), file, edit))
    assert.equal(result.ok, false, `accepted:\n${result.output}`)
    assert.match(result.output.replace(/\n/g, ' '), expected)
  })
}

test('the Collector configs validate, and a misspelt routing key does not', () => {
  const good = validateCollectorConfigs(join(ROOT, 'deploy/k8s'))
  assert.ok(good.ok, good.output)
  assert.match(good.output, /agent\.yaml: valid\ngateway\.yaml: valid/)
  const dir = brokenCopy('routing-key', 'base/collector/agent.yaml', (text) =>
    text.replace('routing_key: attributes', 'routing_key: attribute'),
  )
  const broken = validateCollectorConfigs(dir)
  assert.equal(broken.ok, false, broken.output)
  assert.match(broken.output, /agent\.yaml: .*attribute/s)
})
