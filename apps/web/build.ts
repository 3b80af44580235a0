/**
 * `npm run build`: bundles the UI (and tracker-web with it) with esbuild and writes dist/, which the
 * API serves at `/`. Exported so the browser test builds exactly what users get.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = fileURLToPath(new URL('.', import.meta.url))
export const DEFAULT_OUT_DIR = join(here, 'dist')

export const buildWeb = async (outdir = DEFAULT_OUT_DIR): Promise<string> => {
  await rm(outdir, { recursive: true, force: true })
  await mkdir(outdir, { recursive: true })
  await build({
    entryPoints: [join(here, 'src/main.ts')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    legalComments: 'none',
  })
  for (const file of ['index.html', 'styles.css']) await copyFile(join(here, 'src', file), join(outdir, file))
  return outdir
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = await buildWeb(process.argv[2] ?? DEFAULT_OUT_DIR)
  console.log(`web: built ${outdir}`)
}
