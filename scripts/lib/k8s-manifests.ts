/**
 * Static validation of the Kubernetes manifests (deploy/k8s), with the maintained tools built by
 * scripts/provision: kustomize renders the tree, kubeconform checks every object strictly against
 * the JSON schemas generated from the OpenAPI documents of the Kubernetes release the provision
 * script pins (scripts/k8s-schemas). Strict means an unknown or misspelt field fails, as do a wrong
 * type, a missing required field and a kind with no schema (a CRD would need its own schema).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { BIN, ROOT, STATE } from '../stack/paths.ts'

/** The Kubernetes version the schemas come from (KUBERNETES_VERSION in scripts/provision). */
export function kubernetesVersion(): string {
  const provision = readFileSync(join(ROOT, 'scripts/provision'), 'utf8')
  const version = /^KUBERNETES_VERSION=v(\S+)$/m.exec(provision)?.[1]
  if (!version) throw new Error('scripts/provision sets no KUBERNETES_VERSION')
  return version
}

export interface ToolResult {
  ok: boolean
  output: string
}

function runTool(command: string, args: string[], input?: string): ToolResult & { stdout: string } {
  const result = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.error) {
    throw new Error(`${command}: ${result.error.message} (run scripts/provision to build it)`)
  }
  return {
    ok: result.status === 0,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`.trim(),
  }
}

/** `kustomize build DIR`: the objects the tree renders to, as one YAML stream. */
export function render(dir: string): ToolResult & { stdout: string } {
  return runTool(join(BIN, 'kustomize'), ['build', dir])
}

/** kubeconform -strict on a rendered YAML stream; its output ends with its `Summary:` line. */
export function conform(yaml: string): ToolResult {
  const schemas = join(STATE, 'k8s-schemas')
  const location = `${schemas}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`
  const args = [
    '-strict',
    '-summary',
    '-kubernetes-version',
    kubernetesVersion(),
    '-schema-location',
    location,
    '-',
  ]
  return runTool(join(BIN, 'kubeconform'), args, yaml)
}

/** Renders and checks a kustomize tree: both steps' output, and whether both passed. */
export function validateTree(dir: string): ToolResult {
  const rendered = render(dir)
  if (!rendered.ok) return { ok: false, output: `kustomize build ${dir} failed:\n${rendered.output}` }
  return conform(rendered.stdout)
}

/** The Collector configs of a tree (base/collector/*.yaml), each checked by `validate`. */
export function validateCollectorConfigs(dir: string): ToolResult {
  const configDir = join(dir, 'base/collector')
  const outputs: string[] = []
  let ok = true
  for (const name of readdirSync(configDir).filter((file) => file.endsWith('.yaml'))) {
    const result = runTool(join(BIN, 'otelcol-k8s-check'), ['validate', '--config', join(configDir, name)])
    ok &&= result.ok
    outputs.push(result.ok ? `${name}: valid` : `${name}: ${result.output}`)
  }
  if (outputs.length === 0) return { ok: false, output: `no Collector configs in ${configDir}` }
  return { ok, output: outputs.join('\n') }
}

interface Container {
  name: string
  image: string
}

/** Every container image of the rendered objects, by the object that runs it. */
export function imagesOf(yaml: string): Map<string, Container[]> {
  const images = new Map<string, Container[]>()
  for (const doc of parseAllDocuments(yaml)) {
    const object = doc.toJS() as {
      kind?: string
      metadata?: { name?: string }
      spec?: { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } }
    } | null
    const pod = object?.spec?.template?.spec
    if (!pod) continue
    images.set(`${object?.kind}/${object?.metadata?.name}`, [
      ...(pod.initContainers ?? []),
      ...(pod.containers ?? []),
    ])
  }
  return images
}
