/**
 * The real Collector (our distribution, from `bash scripts/provision`) with an OTLP/HTTP receiver
 * on a free loopback port and the debug exporter at detailed verbosity: what it prints is the
 * Collector's own decoding of what we sent. OTELCOL_BIN overrides where the binary is.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@feature-analytics/test-support/ports'

export const COLLECTOR_BIN =
  process.env.OTELCOL_BIN ?? fileURLToPath(new URL('../../../.stack/bin/otelcol-fa', import.meta.url))

export interface DebugCollector {
  /** OTLP/HTTP base URL. */
  url: string
  /** Everything the Collector printed so far. */
  output(): string
  /** Resolves once the output contains `text` (or rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function debugCollector(): Promise<DebugCollector> {
  if (!existsSync(COLLECTOR_BIN)) {
    throw new Error(
      `no Collector binary at ${COLLECTOR_BIN}: run \`bash scripts/provision\` (or set OTELCOL_BIN)`,
    )
  }
  const dir = await mkdtemp(join(tmpdir(), 'otelcol-debug-'))
  const port = await freePort()
  const config = join(dir, 'config.yaml')
  await writeFile(
    config,
    [
      'receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:PORT" } } } }'.replace(
        'PORT',
        String(port),
      ),
      'exporters: { debug: { verbosity: detailed } }',
      'service:',
      '  telemetry: { metrics: { level: none } }',
      '  pipelines:',
      '    metrics: { receivers: [otlp], exporters: [debug] }',
      '    traces: { receivers: [otlp], exporters: [debug] }',
    ].join('\n'),
  )
  let text = ''
  const child: ChildProcess = spawn(COLLECTOR_BIN, ['--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const waitFor = async (pattern: string | RegExp, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    const found = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text))
    while (!found()) {
      if (child.exitCode !== null) throw new Error(`the Collector exited (${child.exitCode}):\n${text}`)
      if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in the Collector's output:\n${text}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  await waitFor('Everything is ready')
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => text,
    waitFor,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export interface DebugExemplar {
  metric: string
  traceId: string
  spanId: string
  value: number
  attributes: Record<string, string>
}

/** The exemplars in the debug exporter's detailed output, with the metric each belongs to. */
export function parseDebugExemplars(output: string): DebugExemplar[] {
  const found: DebugExemplar[] = []
  let metric = ''
  let current: DebugExemplar | undefined
  let inFiltered = false
  for (const line of output.split('\n')) {
    const name = /^\s+-> Name: (.+)$/.exec(line)
    if (name) metric = name[1] as string
    if (/^Exemplar #\d+/.test(line)) {
      current = { metric, traceId: '', spanId: '', value: Number.NaN, attributes: {} }
      found.push(current)
      inFiltered = false
      continue
    }
    if (current === undefined) continue
    const field = /^\s+-> (Trace ID|Span ID|Value): (.+)$/.exec(line)
    if (field) {
      if (field[1] === 'Trace ID') current.traceId = field[2] as string
      if (field[1] === 'Span ID') current.spanId = field[2] as string
      if (field[1] === 'Value') current.value = Number(field[2])
      continue
    }
    if (/^\s+-> FilteredAttributes:/.test(line)) {
      inFiltered = true
      continue
    }
    const attribute = /^\s{10}-> ([^:]+): Str\((.*)\)$/.exec(line)
    if (inFiltered && attribute) {
      current.attributes[attribute[1] as string] = attribute[2] as string
      continue
    }
    // Anything else ends the exemplar block.
    if (!/^\s+->/.test(line)) current = undefined
  }
  return found
}
