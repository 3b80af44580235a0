/**
 * A small parser for the Prometheus text exposition format (0.0.4), as served by an app's own
 * /metrics endpoint. It keeps samples flat (histograms stay `_bucket` / `_count` / `_sum` lines),
 * which is all the evaluator needs and all a PromQL selector sees.
 *
 * The npm parser we looked at (parse-prometheus-text-format 1.1.1) folds every labelled histogram
 * into one label-less entry, so it cannot serve `sum by (feature_name)` over a histogram.
 */

export type Labels = Record<string, string>

export interface Sample {
  name: string
  labels: Labels
  value: number
}

export class ExpositionParseError extends Error {
  override name = 'ExpositionParseError'
  readonly line: number

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`)
    this.line = line
  }
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? ''
    if (line === '' || line.startsWith('#')) continue
    samples.push(parseSampleLine(line, i + 1))
  }
  return samples
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/

function parseSampleLine(line: string, lineNo: number): Sample {
  const name = NAME.exec(line)?.[0]
  if (!name) throw new ExpositionParseError(lineNo, `expected a metric name in ${JSON.stringify(line)}`)
  let rest = line.slice(name.length)
  const labels: Labels = {}
  if (rest.startsWith('{')) {
    rest = parseLabels(rest.slice(1), labels, lineNo)
  }
  // After the labels: a value and an optional timestamp, separated by blanks.
  const [valueText] = rest.trim().split(/[ \t]+/)
  const value = parseValue(valueText ?? '')
  if (value === undefined) {
    throw new ExpositionParseError(lineNo, `invalid sample value ${JSON.stringify(valueText)} for ${name}`)
  }
  return { name, labels, value }
}

/** Reads `a="x",b="y"}` into `labels`; returns what follows the closing brace. */
function parseLabels(input: string, labels: Labels, lineNo: number): string {
  let rest = input.trimStart()
  while (!rest.startsWith('}')) {
    const key = LABEL_NAME.exec(rest)?.[0]
    if (!key) throw new ExpositionParseError(lineNo, `expected a label name at ${JSON.stringify(rest)}`)
    rest = rest.slice(key.length).trimStart()
    if (!rest.startsWith('="')) throw new ExpositionParseError(lineNo, `expected ="..." after label ${key}`)
    const [value, consumed] = readQuoted(rest.slice(2), lineNo)
    labels[key] = value
    rest = rest.slice(2 + consumed).trimStart()
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart()
    else if (!rest.startsWith('}'))
      throw new ExpositionParseError(lineNo, `expected , or } after label ${key}`)
  }
  return rest.slice(1)
}

/** Unescapes a label value up to its closing quote; returns the value and the characters consumed. */
function readQuoted(input: string, lineNo: number): [string, number] {
  let value = ''
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === '"') return [value, i + 1]
    if (ch === '\\') {
      const next = input[++i]
      value += next === 'n' ? '\n' : (next ?? '')
    } else {
      value += ch
    }
  }
  throw new ExpositionParseError(lineNo, 'unterminated label value')
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  if (text === 'NaN') return Number.NaN
  if (text === '' || !/^[-+]?[0-9.eE+-]+$/.test(text)) return undefined
  const value = Number(text)
  return Number.isNaN(value) ? undefined : value
}
