/**
 * Configuration comes only from the environment, validated once at startup: a bad value stops the
 * process with a message naming the variable, instead of surfacing later as a confusing runtime error.
 */
import { fileURLToPath } from 'node:url'
import { DEFAULT_LIMITS } from '@feature-analytics/tracker'
import { DEFAULT_METRICS_PORT } from '@feature-analytics/tracker-node'
import { z } from 'zod'
import { DEFAULT_AUTH_LIMITS } from './auth/throttle.ts'
import { fieldOf } from './validate.ts'

const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url))

// Shells and compose files often pass unset variables as empty strings: treat those as unset.
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value)
const optional = <S extends z.ZodType>(schema: S) => z.preprocess(unsetIfEmpty, schema.optional())
// prefault (not default) so the fallback goes through the same parsing and transforms as a real value.
const withDefault = <S extends z.ZodType>(schema: S, fallback: z.input<S>) =>
  z.preprocess(unsetIfEmpty, schema.prefault(fallback as never))

const port = z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535)
const positiveInt = z.coerce.number({ error: 'expected a positive integer' }).int().positive()
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1')
const hops = z.coerce
  .number({ error: 'expected the number of proxies in front (0 = none)' })
  .int()
  .min(0)
  .max(10)
// A comma-separated list of exact origins (scheme://host[:port]); anything else is a typo worth stopping on.
const origins = z.string().transform((text, ctx) => {
  const list = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  for (const item of list) {
    if (!URL.canParse(item) || new URL(item).origin !== item) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not an origin like https://app.example.com` })
    }
  }
  return list
})

/**
 * Every setting: the variable it is read from, and how it is parsed. The Config type is inferred
 * from these schemas, so a setting is declared once.
 */
const SETTINGS = {
  port: ['PORT', withDefault(port, '3000')],
  host: ['HOST', withDefault(z.string().min(1), '127.0.0.1')],
  metricsPort: ['METRICS_PORT', withDefault(port, String(DEFAULT_METRICS_PORT))],
  redisUrl: [
    'REDIS_URL',
    optional(z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' })),
  ],
  otlpEndpoint: [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    optional(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })),
  ],
  serviceName: ['OTEL_SERVICE_NAME', withDefault(z.string().min(1), 'saas-api')],
  serviceInstanceId: [
    'SERVICE_INSTANCE_ID',
    optional(z.string().regex(/^[\w.:-]{1,64}$/, 'expected 1-64 of [A-Za-z0-9_.:-]')),
  ],
  logLevel: [
    'LOG_LEVEL',
    withDefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  ],
  webDist: ['WEB_DIST', withDefault(z.string().min(1), DEFAULT_WEB_DIST)],
  seedDemo: ['SEED_DEMO', withDefault(flag, 'true')],
  demoPassword: [
    'DEMO_PASSWORD',
    withDefault(z.string().min(8, 'must be at least 8 characters'), 'demo-password'),
  ],
  cookieSecure: ['COOKIE_SECURE', withDefault(flag, 'false')],
  trustProxyHops: ['TRUST_PROXY', withDefault(hops, '0')],
  allowedOrigins: ['ALLOWED_ORIGINS', withDefault(origins, '')],
  signupsPerIp: ['SIGNUP_MAX_PER_IP', withDefault(positiveInt, String(DEFAULT_AUTH_LIMITS.signupsPerIp))],
  loginFailuresPerAccount: [
    'LOGIN_MAX_FAILURES_PER_ACCOUNT',
    withDefault(positiveInt, String(DEFAULT_AUTH_LIMITS.loginFailuresPerAccount)),
  ],
  loginFailuresPerIp: [
    'LOGIN_MAX_FAILURES_PER_IP',
    withDefault(positiveInt, String(DEFAULT_AUTH_LIMITS.loginFailuresPerIp)),
  ],
  sessionTtlMs: [
    'SESSION_TTL_HOURS',
    withDefault(positiveInt, '168').transform((hours) => hours * 3_600_000),
  ],
  ingestRatePerSecond: [
    'INGEST_RATE_PER_SEC',
    withDefault(z.coerce.number({ error: 'expected a positive number' }).positive(), '2'),
  ],
  ingestBurst: ['INGEST_BURST', withDefault(positiveInt, '30')],
  ingestSessionClicks: ['INGEST_SESSION_CLICKS', withDefault(positiveInt, '3000')],
  ingestSessionVisits: ['INGEST_SESSION_VISITS', withDefault(positiveInt, '300')],
  maxTenants: ['MAX_TENANTS', withDefault(positiveInt, String(DEFAULT_LIMITS.maxTenants))],
  // A tenant idle this long gives its own-series slot to a newcomer (RELIABILITY.md).
  tenantIdleMs: [
    'TENANT_IDLE_MINUTES',
    withDefault(positiveInt, '60').transform((minutes) => minutes * 60_000),
  ],
  shutdownTimeoutMs: ['SHUTDOWN_TIMEOUT_MS', withDefault(positiveInt, '10000')],
} as const satisfies Record<string, readonly [string, z.ZodType]>

type Setting = keyof typeof SETTINGS

const ConfigSchema = z
  .object(
    Object.fromEntries(Object.entries(SETTINGS).map(([key, [, schema]]) => [key, schema])) as {
      [K in Setting]: (typeof SETTINGS)[K][1]
    },
  )
  .transform(
    ({
      ingestRatePerSecond,
      ingestBurst,
      ingestSessionClicks,
      ingestSessionVisits,
      signupsPerIp,
      loginFailuresPerAccount,
      loginFailuresPerIp,
      ...rest
    }) => ({
      ...rest,
      ingest: {
        ratePerSecond: ingestRatePerSecond,
        burst: ingestBurst,
        sessionClicks: ingestSessionClicks,
        sessionVisits: ingestSessionVisits,
      },
      authLimits: { signupsPerIp, loginFailuresPerAccount, loginFailuresPerIp },
    }),
  )

export type Config = z.output<typeof ConfigSchema>

export class ConfigError extends Error {
  readonly issues: readonly string[]
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  ${issue}`).join('\n')}`)
    this.name = 'ConfigError'
    this.issues = issues
  }
}

/** Reads the environment. Values are never echoed back: REDIS_URL and friends can hold credentials. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const values = Object.fromEntries(Object.entries(SETTINGS).map(([key, [variable]]) => [key, env[variable]]))
  const parsed = ConfigSchema.safeParse(values)
  if (!parsed.success) {
    // Name the variable, not the setting: that is what the operator sets.
    const named = (path: PropertyKey[]) => [SETTINGS[path[0] as Setting]?.[0] ?? path[0], ...path.slice(1)]
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${fieldOf(named(issue.path))}: ${issue.message}`),
    )
  }
  return parsed.data
}
