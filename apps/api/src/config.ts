/**
 * Configuration comes only from the environment, validated once at startup: a bad value stops the
 * process with a message naming the variable, instead of surfacing later as a confusing runtime error.
 */
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { type AuthLimits, DEFAULT_AUTH_LIMITS } from './auth/throttle.ts'
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

const EnvSchema = z.object({
  PORT: withDefault(port, '3000'),
  HOST: withDefault(z.string().min(1), '127.0.0.1'),
  METRICS_PORT: withDefault(port, '9464'),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' })),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })),
  OTEL_SERVICE_NAME: withDefault(z.string().min(1), 'saas-api'),
  SERVICE_INSTANCE_ID: optional(z.string().regex(/^[\w.:-]{1,64}$/, 'expected 1-64 of [A-Za-z0-9_.:-]')),
  LOG_LEVEL: withDefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  WEB_DIST: withDefault(z.string().min(1), DEFAULT_WEB_DIST),
  SEED_DEMO: withDefault(flag, 'true'),
  DEMO_PASSWORD: withDefault(z.string().min(8, 'must be at least 8 characters'), 'demo-password'),
  COOKIE_SECURE: withDefault(flag, 'false'),
  TRUST_PROXY: withDefault(hops, '0'),
  ALLOWED_ORIGINS: withDefault(origins, ''),
  SIGNUP_MAX_PER_IP: withDefault(positiveInt, String(DEFAULT_AUTH_LIMITS.signupsPerIp)),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: withDefault(
    positiveInt,
    String(DEFAULT_AUTH_LIMITS.loginFailuresPerAccount),
  ),
  LOGIN_MAX_FAILURES_PER_IP: withDefault(positiveInt, String(DEFAULT_AUTH_LIMITS.loginFailuresPerIp)),
  SESSION_TTL_HOURS: withDefault(positiveInt, '168'),
  INGEST_RATE_PER_SEC: withDefault(z.coerce.number({ error: 'expected a positive number' }).positive(), '2'),
  INGEST_BURST: withDefault(positiveInt, '30'),
  INGEST_SESSION_CLICKS: withDefault(positiveInt, '3000'),
  INGEST_SESSION_VISITS: withDefault(positiveInt, '300'),
  MAX_TENANTS: withDefault(positiveInt, '1000'),
  // A tenant idle this long gives its own-series slot to a newcomer (RELIABILITY.md).
  TENANT_IDLE_MINUTES: withDefault(positiveInt, '60'),
  SHUTDOWN_TIMEOUT_MS: withDefault(positiveInt, '10000'),
})

export interface Config {
  port: number
  host: string
  metricsPort: number
  redisUrl: string | undefined
  otlpEndpoint: string | undefined
  serviceName: string
  serviceInstanceId: string | undefined
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  webDist: string
  seedDemo: boolean
  demoPassword: string
  cookieSecure: boolean
  trustProxyHops: number
  allowedOrigins: string[]
  authLimits: AuthLimits
  sessionTtlMs: number
  ingest: { ratePerSecond: number; burst: number; sessionClicks: number; sessionVisits: number }
  maxTenants: number
  tenantIdleMs: number
  shutdownTimeoutMs: number
}

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
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${fieldOf(issue.path)}: ${issue.message}`))
  }
  const e = parsed.data
  return {
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.METRICS_PORT,
    redisUrl: e.REDIS_URL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: e.OTEL_SERVICE_NAME,
    serviceInstanceId: e.SERVICE_INSTANCE_ID,
    logLevel: e.LOG_LEVEL,
    webDist: e.WEB_DIST,
    seedDemo: e.SEED_DEMO,
    demoPassword: e.DEMO_PASSWORD,
    cookieSecure: e.COOKIE_SECURE,
    trustProxyHops: e.TRUST_PROXY,
    allowedOrigins: e.ALLOWED_ORIGINS,
    authLimits: {
      signupsPerIp: e.SIGNUP_MAX_PER_IP,
      loginFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
    },
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    ingest: {
      ratePerSecond: e.INGEST_RATE_PER_SEC,
      burst: e.INGEST_BURST,
      sessionClicks: e.INGEST_SESSION_CLICKS,
      sessionVisits: e.INGEST_SESSION_VISITS,
    },
    maxTenants: e.MAX_TENANTS,
    tenantIdleMs: e.TENANT_IDLE_MINUTES * 60_000,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  }
}
