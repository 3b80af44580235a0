/**
 * npm run k8s:check: validates the Kubernetes manifests in deploy/k8s statically (there is no
 * cluster here), provisioning the tools first (fast when cached):
 *   - kustomize renders the tree and kubeconform checks every object strictly against the
 *     schemas of the pinned Kubernetes release (scripts/lib/k8s-manifests.ts says what that covers);
 *   - every image is pinned, and the images docker-compose.yml also runs have the same tags;
 *   - the Collector configs validate with the components (and version) of the image that runs them
 *     (deploy/k8s/collector-check), and Jaeger's with the release the local stack runs.
 * The last line is `k8s-check: N passed, M failed`.
 * Usage: node scripts/k8s-check.ts [--no-provision] [DIR]   (DIR defaults to deploy/k8s)
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { conform, imagesOf, render, validateCollectorConfigs } from './lib/k8s-manifests.ts'
import { BIN, PROVISION, ROOT } from './stack/paths.ts'

const args = process.argv.slice(2)
if (!args.includes('--no-provision')) execFileSync(PROVISION, { stdio: 'inherit' })
const dir = args.find((arg) => !arg.startsWith('--')) ?? join(ROOT, 'deploy/k8s')

const rendered = render(dir)
const repository = (image: string) => image.slice(0, image.lastIndexOf(':'))

function checkImages(): string {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image?: string }>
  }
  const composeImages = Object.values(compose.services).flatMap((service) => service.image ?? [])
  const problems: string[] = []
  let count = 0
  for (const [object, containers] of imagesOf(rendered.stdout)) {
    for (const { name, image } of containers) {
      count++
      const tag = image.slice(image.lastIndexOf(':') + 1)
      if (!image.includes(':') || tag === 'latest') problems.push(`${object} ${name}: ${image} is not pinned`)
      const twin = composeImages.find((other) => repository(other) === repository(image))
      if (twin && twin !== image)
        problems.push(`${object} ${name}: ${image}, but docker-compose.yml runs ${twin}`)
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'))
  if (count === 0) throw new Error('no container images found')
  return `${count} containers, images pinned and as in docker-compose.yml`
}

function checkJaegerConfig(): string {
  const config = join(dir, 'base/jaeger/config.yaml')
  execFileSync(join(BIN, 'jaeger'), ['validate', '--config', config], { stdio: 'pipe' })
  return 'jaeger validate accepts base/jaeger/config.yaml'
}

const checks: [string, () => string][] = [
  [
    'kustomize build | kubeconform -strict',
    () => {
      if (!rendered.ok) throw new Error(`kustomize build failed:\n${rendered.output}`)
      const result = conform(rendered.stdout)
      if (!result.ok) throw new Error(result.output)
      return result.output
    },
  ],
  ['images', checkImages],
  [
    'collector configs',
    () => {
      const result = validateCollectorConfigs(dir)
      if (!result.ok) throw new Error(result.output)
      return result.output.replace(/\n/g, '; ')
    },
  ],
  ['jaeger config', checkJaegerConfig],
]

let passed = 0
let failed = 0
for (const [name, run] of checks) {
  try {
    const said = run()
    passed++
    console.log(`k8s-check: ok   ${name}: ${said}`)
  } catch (error) {
    failed++
    const message = (error as Error & { stderr?: Buffer }).stderr?.toString() || (error as Error).message
    console.log(`k8s-check: FAIL ${name}\n${message.trim().replace(/^/gm, '    ')}`)
  }
}
console.log(`k8s-check: ${passed} passed, ${failed} failed`)
if (failed > 0 || passed === 0) process.exitCode = 1
