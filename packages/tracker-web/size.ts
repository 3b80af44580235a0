/**
 * `npm run size`: what tracker-web costs a page. Bundles the package's entry with everything it pulls
 * in (sdk-metrics, the OTLP/JSON serializer, and @opentelemetry/api, which the page has to ship too),
 * minified for browsers, then gzips it. The README's size figure comes from this output.
 */
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const entry = new URL('./src/index.ts', import.meta.url).pathname
const result = await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  treeShaking: true,
  legalComments: 'none',
  metafile: true,
})
const code = result.outputFiles[0]?.contents ?? new Uint8Array()
const gzipped = gzipSync(code, { level: 9 }).byteLength
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
console.log(
  `tracker-web bundle: ${code.byteLength} bytes minified (${kib(code.byteLength)}), ${gzipped} bytes gzipped (${kib(gzipped)})`,
)

// Where the minified bytes come from, per package. Inputs are relative to this folder: ours are
// src/..., the workspace's ../<package>/src/..., the rest under node_modules.
const packageOf = (input: string) =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ??
  `@feature-analytics/${/^\.\.\/([^/]+)\//.exec(input)?.[1] ?? 'tracker-web'}`
const byPackage = new Map<string, number>()
for (const output of Object.values(result.metafile?.outputs ?? {})) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput)
  }
}
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${String(bytes).padStart(6)} bytes minified  ${name}`)
}
