/**
 * The console's settings, from the environment. It shows data across tenants, so it is closed by
 * default: it binds loopback unless told otherwise and refuses to start without a token.
 */

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface ConsoleConfig {
  host: string
  port: number
  /** Every /api/ call needs `Authorization: Bearer <token>`; the page reads it from `#token=`. */
  token: string
  /** Embedded source: the API's own Prometheus-format pages, polled into a bounded history. */
  metricsUrls: string[]
  /** Stack source: Prometheus's HTTP API (range queries, exemplars). */
  prometheusUrl: string | undefined
  /** Jaeger's query API, for the span tree behind an exemplar. */
  jaegerUrl: string | undefined
  /** How often the embedded source polls /metrics. */
  pollMs: number
  /** How many polls the embedded history keeps (the oldest is dropped first). */
  historySize: number
}

export const MIN_TOKEN_LENGTH = 16
export const DEFAULTS = { host: '127.0.0.1', port: 3020, pollMs: 5000, historySize: 720 } as const

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = process.env): ConsoleConfig {
  const token = env.CONSOLE_TOKEN ?? ''
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `CONSOLE_TOKEN must be set to a secret of at least ${MIN_TOKEN_LENGTH} characters ` +
        '(for example: CONSOLE_TOKEN=$(openssl rand -hex 16)); the console shows data across tenants',
    )
  }
  const metricsUrls = list(env.METRICS_URL).map((url) => httpUrl('METRICS_URL', url))
  const prometheusUrl = optionalUrl('PROMETHEUS_URL', env.PROMETHEUS_URL)
  if (metricsUrls.length === 0 && !prometheusUrl) {
    throw new ConfigError(
      'no data source: set METRICS_URL (the API’s own /metrics, embedded demo) or PROMETHEUS_URL (the stack)',
    )
  }
  return {
    host: env.CONSOLE_HOST || DEFAULTS.host,
    port: integer('CONSOLE_PORT', env.CONSOLE_PORT, DEFAULTS.port, 0, 65_535),
    token,
    metricsUrls,
    prometheusUrl,
    jaegerUrl: optionalUrl('JAEGER_URL', env.JAEGER_URL),
    pollMs: integer('CONSOLE_POLL_MS', env.CONSOLE_POLL_MS, DEFAULTS.pollMs, 100, 3_600_000),
    historySize: integer('CONSOLE_HISTORY', env.CONSOLE_HISTORY, DEFAULTS.historySize, 2, 100_000),
  }
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

function httpUrl(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(`${name}: not a URL: ${value}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name}: expected an http(s) URL, got ${value}`)
  }
  return value
}

const optionalUrl = (name: string, value: string | undefined): string | undefined =>
  value ? httpUrl(name, value).replace(/\/+$/, '') : undefined

function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return n
}
