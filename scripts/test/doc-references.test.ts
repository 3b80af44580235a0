import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { brokenReferences } from '../lib/doc-references.ts'

const root = mkdtempSync(join(tmpdir(), 'doc-references-'))
after(() => rmSync(root, { recursive: true, force: true }))

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

execFileSync('git', ['init', '-q'], { cwd: root })
write('package.json', JSON.stringify({ name: 'repo', scripts: { demo: 'node demo.ts', test: 'x' } }))
write('demo.ts', '')
write(
  'packages/tool/package.json',
  JSON.stringify({ name: '@repo/tool', scripts: { bench: 'node bench/cost.ts', build: 'node build.ts' } }),
)
write('packages/tool/build.ts', '// `npm run build` writes dist/\n')
write('docker-compose.yml', 'services:\n  api: {image: a:1}\n  k6: {image: k6:1, profiles: [load]}\n')
write(
  'README.md',
  [
    'Fine: `npm run demo -- --exit`, `npm test`, `npm run bench -w @repo/tool -- --rounds 3`,',
    '`npm test -w packages/tool`?, `docker compose --profile load run --rm k6`, [tool](packages/tool/build.ts).',
    'Drifted: `npm run demo:fast`.',
    'Drifted: `npm run bench -w @repo/nope`.',
    'Drifted: `docker compose --profile k6 run --rm k6`.',
    'Drifted: `docker compose run --rm simulator`.',
    'Drifted: [the guide](docs/guide.md) and `packages/tool/gone.ts`.',
  ].join('\n'),
)

test('every drifted reference is reported with its line, and nothing else', () => {
  assert.deepEqual(brokenReferences(root), [
    "packages/tool/package.json: script 'bench' starts bench/cost.ts, which does not exist",
    "README.md:2: npm script 'test' does not exist in packages/tool/package.json",
    "README.md:3: npm script 'demo:fast' does not exist in package.json",
    "README.md:4: npm workspace '@repo/nope' does not exist",
    "README.md:5: compose profile 'k6' is not used by any service of docker-compose.yml",
    "README.md:6: compose service 'simulator' does not exist",
    'README.md:7: link target docs/guide.md does not exist',
    'README.md:7: path packages/tool/gone.ts does not exist',
  ])
})

test("a workspace's own files may name its scripts without -w", () => {
  assert.ok(!brokenReferences(root).some((line) => line.startsWith('packages/tool/build.ts')))
})
