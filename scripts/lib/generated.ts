/**
 * Generated files are committed so they can be read and reviewed; `--check` regenerates in memory
 * and fails when the committed copy is stale, which is how stack:check keeps them honest. Output
 * goes through the repo's formatter, so `biome check --write` never makes them stale.
 */
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const BIOME = fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url))

export function formatted(path: string, content: string): string {
  return execFileSync(BIOME, ['format', `--stdin-file-path=${path}`], { input: content, encoding: 'utf8' })
}

export async function writeOrCheck(path: string, content: string, check: boolean): Promise<void> {
  const wanted = formatted(path, content)
  if ((await readFile(path, 'utf8').catch(() => undefined)) === wanted) return
  if (check) throw new Error(`${path} is out of date: run node scripts/${scriptOf(path)} to regenerate it`)
  await writeFile(path, wanted)
}

const scriptOf = (path: string) => (path.endsWith('.json') ? 'grafana-dashboards.ts' : 'prometheus-rules.ts')

export const snakeCase = (name: string): string => name.replace(/[A-Z0-9]+/g, (m) => `_${m.toLowerCase()}`)
