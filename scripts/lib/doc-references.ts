/**
 * Docs must not name what does not exist. Every tracked README, doc, script header and config in
 * the repo is read for three kinds of reference, and each is resolved against the thing it names:
 *
 * - `npm run NAME [-w WORKSPACE]` and `npm test -w WORKSPACE`: the script exists in the root
 *   package.json, or in that workspace's (named by package name or folder);
 * - `docker compose --profile P` and `docker compose ... run SERVICE`: the profile is used by a
 *   service of docker-compose.yml, the service exists;
 * - repo paths: a relative Markdown link target, or a backticked path under one of the repo's top
 *   folders, exists.
 *
 * `stack:check` runs this on the repo; scripts/test/doc-references.test.ts proves it catches each
 * kind of drift.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { parse } from 'yaml'

const SCANNED = /\.(md|ts|mjs|ya?ml|json)$|^\.ci\/run$|^scripts\/provision$/
// Generated files, and this checker with its test (they name missing things on purpose).
const SKIPPED = /^(package-lock\.json|grafana\/dashboards\/)|doc-references(\.test)?\.ts$/
const TOP_FOLDERS = [
  'apps',
  'packages',
  'scripts',
  'loadtest',
  'otel-collector',
  'prometheus',
  'grafana',
  'docs',
  '.ci',
]

interface Workspace {
  dir: string
  scripts: Record<string, string>
}

interface Repo {
  root: string
  workspaces: Map<string, Workspace>
  profiles: Set<string>
  services: Set<string>
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>

function loadRepo(root: string): Repo {
  const rootPackage = readJson(join(root, 'package.json'))
  const workspaces = new Map<string, Workspace>()
  workspaces.set('', { dir: '', scripts: (rootPackage.scripts ?? {}) as Record<string, string> })
  for (const dir of listFiles(root).filter((f) =>
    /^[^/]+\/[^/]+\/package\.json$|^loadtest\/package\.json$/.test(f),
  )) {
    const pkg = readJson(join(root, dir))
    const ws = { dir: dirname(dir), scripts: (pkg.scripts ?? {}) as Record<string, string> }
    workspaces.set(String(pkg.name), ws)
    workspaces.set(ws.dir, ws)
  }
  const compose = existsSync(join(root, 'docker-compose.yml'))
    ? (parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
        services?: Record<string, { profiles?: string[] }>
      })
    : {}
  const services = Object.entries(compose.services ?? {})
  return {
    root,
    workspaces,
    profiles: new Set(services.flatMap(([, service]) => service.profiles ?? [])),
    services: new Set(services.map(([name]) => name)),
  }
}

function listFiles(root: string): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
}

/** The workspace a file belongs to: `npm run build` in apps/web/build.ts means apps/web's script. */
function workspaceOf(repo: Repo, file: string): Workspace | undefined {
  let best: Workspace | undefined
  for (const ws of repo.workspaces.values()) {
    if (ws.dir && file.startsWith(`${ws.dir}/`) && ws.dir.length > (best?.dir.length ?? 0)) best = ws
  }
  return best
}

function npmProblems(repo: Repo, file: string, text: string): string[] {
  const problems: string[] = []
  for (const match of text.matchAll(/\bnpm (run|test)\b((?:[ \t]+[^\s`'"|&;)]+)*)/g)) {
    const words = (match[2] ?? '').trim().split(/\s+/).filter(Boolean)
    const end = words.indexOf('--')
    const npmWords = end === -1 ? words : words.slice(0, end)
    let workspace = ''
    let script = match[1] === 'test' ? 'test' : undefined
    for (let i = 0; i < npmWords.length; i++) {
      const word = npmWords[i] as string
      if (word === '-w' || word === '--workspace') workspace = npmWords[++i] ?? ''
      else if (word.startsWith('--workspace=')) workspace = word.slice('--workspace='.length)
      else if (script === undefined && /^[a-z][\w:.-]*$/.test(word)) script = word.replace(/[:.]$/, '')
    }
    if (script === undefined) continue // `npm run` alone lists the scripts
    const ws = repo.workspaces.get(workspace.replace(/\/$/, ''))
    const fileWorkspace = workspace ? undefined : workspaceOf(repo, file)
    if (!ws) problems.push(`npm workspace '${workspace}' does not exist`)
    else if (!(script in ws.scripts) && !(fileWorkspace && script in fileWorkspace.scripts)) {
      problems.push(
        `npm script '${script}' does not exist in ${ws.dir ? `${ws.dir}/package.json` : 'package.json'}`,
      )
    }
  }
  return problems
}

function composeProblems(repo: Repo, text: string): string[] {
  const problems: string[] = []
  for (const match of text.matchAll(/\bdocker compose\b([^\n`]*)/g)) {
    const words = (match[1] ?? '').trim().split(/\s+/)
    for (let i = 0; i < words.length; i++) {
      if (words[i] === '--profile' && !repo.profiles.has(words[i + 1] ?? '')) {
        problems.push(`compose profile '${words[i + 1]}' is not used by any service of docker-compose.yml`)
      }
      if (words[i] === 'run') {
        const service = words.slice(i + 1).find((w) => !w.startsWith('-'))
        if (service && !repo.services.has(service))
          problems.push(`compose service '${service}' does not exist`)
        break
      }
    }
  }
  return problems
}

function pathProblems(repo: Repo, file: string, text: string): string[] {
  const problems: string[] = []
  const missing = (path: string) => !existsSync(join(repo.root, path))
  if (file.endsWith('.md')) {
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = (match[1] as string).split('#')[0] as string
      if (!target || /^[a-z]+:/.test(target)) continue // an anchor, a URL, mailto:
      const path = normalize(join(dirname(file), target))
      if (missing(path)) problems.push(`link target ${target} does not exist`)
    }
  }
  const top = TOP_FOLDERS.map((f) => f.replace('.', '\\.')).join('|')
  for (const match of text.matchAll(new RegExp(`\`((?:${top})/[\\w./@-]+)\``, 'g'))) {
    const path = (match[1] as string).replace(/[.:]$/, '')
    if (/(^|\/)dist(\/|$)/.test(path)) continue // a build output, made by the build it names
    if (missing(path)) problems.push(`path ${path} does not exist`)
  }
  return problems
}

/** The files that npm scripts start (`node scripts/run.mjs scripts/demo.ts`) exist. */
function scriptFileProblems(repo: Repo): string[] {
  const problems: string[] = []
  for (const [name, ws] of repo.workspaces) {
    if (name !== ws.dir) continue // each workspace is listed under its name and its folder
    for (const [script, command] of Object.entries(ws.scripts)) {
      const words = command.split(/\s+/).map((word) => word.replace(/^["']|["']$/g, ''))
      for (const path of words.filter((word) => /^[\w./-]+\.(ts|mjs|js)$/.test(word))) {
        if (!existsSync(join(repo.root, ws.dir, path))) {
          problems.push(
            `${join(ws.dir, 'package.json')}: script '${script}' starts ${path}, which does not exist`,
          )
        }
      }
    }
  }
  return problems
}

/** Every reference in the repo's docs that names something missing, as `file:line: problem`. */
export function brokenReferences(root: string): string[] {
  const repo = loadRepo(root)
  const found: string[] = scriptFileProblems(repo)
  for (const file of listFiles(root).filter((f) => SCANNED.test(f) && !SKIPPED.test(f))) {
    if (!existsSync(join(root, file))) continue
    const lines = readFileSync(join(root, file), 'utf8').split('\n')
    lines.forEach((line, index) => {
      for (const problem of [
        ...npmProblems(repo, file, line),
        ...composeProblems(repo, line),
        ...pathProblems(repo, file, line),
      ]) {
        found.push(`${file}:${index + 1}: ${problem}`)
      }
    })
  }
  return found
}
