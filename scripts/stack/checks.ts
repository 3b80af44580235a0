/**
 * Static checks of the stack's configuration: each real tool validates its own files (the
 * Collector, promtool, docker-compose, shellcheck), generated files must match their generators,
 * and the compose file must keep the promises its header makes (pinned images, loopback-only
 * published ports, the same configs, Collector and Prometheus versions as the local stack).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parse } from 'yaml'
import { DASHBOARD_PATH, renderDashboard } from '../grafana-dashboards.ts'
import { brokenReferences } from '../lib/doc-references.ts'
import { writeOrCheck } from '../lib/generated.ts'
import { postgresBinDir } from '../lib/postgres.ts'
import { RULES_PATH, renderRules } from '../prometheus-rules.ts'
import { README_PATH, updatedReadme } from '../readme-examples.ts'
import { components, PROMETHEUS_FEATURE_FLAGS } from './components.ts'
import { BIN, ROOT } from './paths.ts'
import { run } from './run.ts'
import { AGENTS, GATEWAYS } from './scale.ts'

export interface Check {
  name: string
  run: () => Promise<unknown>
}

const file = (path: string) => join(ROOT, path)
// merge: docker-compose.yml shares the app image's settings through a YAML merge key (<<).
const yamlOf = (path: string) =>
  parse(readFileSync(file(path), 'utf8'), { merge: true }) as Record<string, unknown>
const ymlIn = (dir: string) =>
  readdirSync(file(dir))
    .filter((name) => name.endsWith('.yml'))
    .map((name) => join(dir, name))

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

interface ComposeService {
  image?: string
  environment?: Record<string, string>
  build?: { dockerfile?: string }
  ports?: string[]
  volumes?: string[]
  profiles?: string[]
  command?: string[]
}

function checkCompose(): void {
  const services = yamlOf('docker-compose.yml').services as Record<string, ComposeService>
  const provision = readFileSync(file('scripts/provision'), 'utf8')
  const collectorVersion = /version: (\S+)/.exec(
    readFileSync(file('otel-collector/builder-config.yaml'), 'utf8'),
  )?.[1]
  for (const [name, service] of Object.entries(services)) {
    const image = service.image ?? ''
    if (service.build?.dockerfile) {
      assert(existsSync(file(service.build.dockerfile)), `${name}: no ${service.build.dockerfile}`)
    } else {
      assert(
        /:[\w.-]+$/.test(image) && !image.endsWith(':latest'),
        `${name}: image ${image} is not pinned to a version`,
      )
    }
    for (const mount of service.volumes ?? []) {
      const source = mount.split(':')[0] as string
      assert(
        !source.startsWith('.') || existsSync(file(source)),
        `${name}: mounts ${source}, which does not exist`,
      )
    }
    for (const port of service.ports ?? []) {
      assert(
        ['web', 'grafana'].includes(name),
        `${name}: only web and grafana may publish ports (found ${port})`,
      )
      assert(port.startsWith('127.0.0.1:'), `${name}: published port ${port} must bind 127.0.0.1`)
    }
  }
  assert(
    services.collector?.image === `otel/opentelemetry-collector-contrib:${collectorVersion}`,
    `collector image must match the builder manifest version ${collectorVersion}`,
  )
  const prometheusVersion = /^PROMETHEUS_VERSION=(\S+)$/m.exec(provision)?.[1]
  assert(
    services.prometheus?.image === `prom/prometheus:v${prometheusVersion}`,
    `prometheus image must be the version scripts/provision builds, ${prometheusVersion}`,
  )
  const jaegerVersion = /^JAEGER_VERSION=(\S+)$/m.exec(provision)?.[1]
  assert(
    services.jaeger?.image === `jaegertracing/jaeger:${jaegerVersion}`,
    `jaeger image must be the release scripts/provision builds, ${jaegerVersion}`,
  )
  assert(services.jaeger?.volumes?.includes('./jaeger:/etc/jaeger:ro'), 'jaeger must mount ./jaeger')
  assert(
    services.collector?.volumes?.includes('./otel-collector:/etc/otelcol:ro'),
    'collector must mount ./otel-collector',
  )
  assert(
    services.prometheus?.volumes?.includes('./prometheus:/etc/prometheus:ro'),
    'prometheus must mount ./prometheus',
  )
  // The local stack runs Debian's PostgreSQL: compose must run the same major version.
  const localMajor = /postgresql\/(\d+)\//.exec(`${postgresBinDir()}/`)?.[1]
  assert(
    services.postgres?.image?.startsWith(`postgres:${localMajor}.`),
    `postgres image ${services.postgres?.image} is not the local stack's major version ${localMajor}`,
  )
  assert(
    services.postgres?.volumes?.some((mount) => mount.endsWith(':/var/lib/postgresql/data')),
    'postgres must keep its data on a volume',
  )
  assert(
    /^postgres:\/\/[^@]+@postgres:5432\//.test(services.api?.environment?.DATABASE_URL ?? ''),
    'the api must use the postgres service (DATABASE_URL)',
  )
  const flags = (services.prometheus?.command ?? []).filter((arg) =>
    /^--(web\.enable|enable-feature)/.test(arg),
  )
  assert(
    JSON.stringify(flags.sort()) === JSON.stringify([...PROMETHEUS_FEATURE_FLAGS].sort()),
    `prometheus flags in compose (${flags.join(' ')}) differ from the local stack's (${PROMETHEUS_FEATURE_FLAGS.join(' ')})`,
  )
}

interface Datasource {
  uid: string
  type: string
  jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] }
}

function checkGrafana(): void {
  const datasources = ymlIn('grafana/provisioning/datasources').flatMap(
    (path) => yamlOf(path).datasources as Datasource[],
  )
  const providers = yamlOf('grafana/provisioning/dashboards/feature-analytics.yml').providers as {
    options: { path: string }
  }[]
  const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as {
    panels: {
      type: string
      datasource?: { uid: string }
      targets?: { expr: string; exemplar?: boolean }[]
    }[]
  }
  const uids = new Set(datasources.map((d) => d.uid))
  // Exemplar dots must open a trace: every exemplar link points at a provisioned Jaeger datasource.
  const jaegerUids = new Set(datasources.filter((d) => d.type === 'jaeger').map((d) => d.uid))
  const links = datasources.flatMap((d) => d.jsonData?.exemplarTraceIdDestinations ?? [])
  assert(links.length > 0, 'no datasource links exemplars to traces (exemplarTraceIdDestinations)')
  for (const link of links) {
    assert(
      jaegerUids.has(link.datasourceUid),
      `exemplar link ${link.name} points at ${link.datasourceUid}, not a provisioned Jaeger datasource`,
    )
  }
  assert(
    dashboard.panels.some((p) => p.type === 'timeseries' && p.targets?.some((t) => t.exemplar)),
    'no time series panel shows exemplars',
  )
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert(
      panel.datasource && uids.has(panel.datasource.uid),
      `a ${panel.type} panel uses an unprovisioned datasource`,
    )
    assert(
      panel.targets?.every((t) => t.expr.length > 0),
      `a ${panel.type} panel has an empty query`,
    )
  }
  const mounts =
    (yamlOf('docker-compose.yml').services as Record<string, ComposeService>).grafana?.volumes ?? []
  for (const { options } of providers) {
    assert(
      mounts.some((mount) => mount.split(':')[1] === options.path),
      `dashboards path ${options.path} is not mounted in compose`,
    )
  }
}

/** A README's first ```sh block, run verbatim, so the example a reader copies is known to work. */
async function readmeExample(path: string): Promise<string> {
  const block = /```sh\n([\s\S]*?)```/.exec(readFileSync(file(path), 'utf8'))?.[1]
  assert(block, `${path} has no \`\`\`sh example`)
  return run('bash', ['-euo', 'pipefail', '-c', block])
}

export function checks(): Check[] {
  const otelcol = join(BIN, 'otelcol-fa')
  const promtool = join(BIN, 'promtool')
  return [
    {
      name: 'otelcol validate config.yaml',
      run: () => run(otelcol, ['validate', '--config', file('otel-collector/config.yaml')]),
    },
    {
      name: 'otelcol validate config.yaml + debug.yaml',
      run: () =>
        run(otelcol, [
          'validate',
          '--config',
          file('otel-collector/config.yaml'),
          '--config',
          file('otel-collector/debug.yaml'),
        ]),
    },
    // The two tiers of the --scale topology, exactly as the stack starts them (configs and environment).
    ...[AGENTS[0].name, GATEWAYS[0].name].map((name) => {
      const tier = components({ scale: true }).find((c) => c.name === name)
      assert(tier, `the --scale stack has no ${name}`)
      return {
        name: `otelcol validate ${tier.args
          .filter((a) => a.endsWith('.yaml'))
          .map((a) => basename(a))
          .join(' + ')} (${name})`,
        run: () => run(otelcol, ['validate', ...tier.args], { env: tier.env }),
      }
    }),
    {
      name: 'jaeger validate jaeger/config.yaml',
      run: () => run(join(BIN, 'jaeger'), ['validate', '--config', file('jaeger/config.yaml')]),
    },
    {
      name: 'promtool check config',
      run: () => run(promtool, ['check', 'config', 'prometheus/prometheus.yml']),
    },
    {
      name: 'promtool check rules',
      run: () => run(promtool, ['check', 'rules', ...ymlIn('prometheus/rules')]),
    },
    {
      name: 'promtool test rules',
      run: () => run(promtool, ['test', 'rules', ...ymlIn('prometheus/tests')]),
    },
    {
      name: 'recording rules match the insights catalog',
      run: () => writeOrCheck(RULES_PATH, renderRules(), true),
    },
    {
      name: 'dashboards match the insights catalog',
      run: () => writeOrCheck(DASHBOARD_PATH, renderDashboard(), true),
    },
    { name: 'grafana provisioning and dashboards agree', run: async () => checkGrafana() },
    {
      name: 'README examples match the packages',
      run: async () => {
        const readme = readFileSync(README_PATH, 'utf8')
        assert(updatedReadme(readme) === readme, 'README.md examples are stale: run npm run readme:examples')
      },
    },
    {
      name: 'docker-compose config',
      run: () => run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']),
    },
    { name: 'compose: pinned images, loopback ports, shared configs', run: async () => checkCompose() },
    {
      name: 'docs name only npm scripts, compose profiles and paths that exist',
      run: async () => {
        const broken = brokenReferences(ROOT)
        assert(broken.length === 0, broken.join('\n'))
      },
    },
    { name: 'shellcheck scripts/provision', run: () => run('shellcheck', ['scripts/provision']) },
    ...['otel-collector', 'prometheus', 'grafana', 'jaeger', 'thanos'].map((dir) => ({
      name: `${dir}/README.md example`,
      run: () => readmeExample(`${dir}/README.md`),
    })),
  ]
}
