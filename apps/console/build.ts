/**
 * Bundles the console page (src/page, Apache ECharts with it, and its stylesheet) with esbuild into
 * a directory (dist/ by default; the server builds into a temporary one of its own at every start,
 * so `node src/main.ts` is all it takes).
 */
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const page = fileURLToPath(new URL('src/page/', import.meta.url))
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL('dist/', import.meta.url))

export async function buildPage(outdir = DEFAULT_PAGE_DIR): Promise<string> {
  await rm(outdir, { recursive: true, force: true })
  await mkdir(outdir, { recursive: true })
  await build({
    entryPoints: [
      { in: join(page, 'main.ts'), out: 'app' },
      { in: join(page, 'styles.css'), out: 'styles' },
    ],
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome120', 'firefox120', 'safari17'],
    legalComments: 'none',
    logLevel: 'error',
  })
  await copyFile(join(page, 'index.html'), join(outdir, 'index.html'))
  return outdir
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`console: built ${await buildPage(process.argv[2])}`)
}
