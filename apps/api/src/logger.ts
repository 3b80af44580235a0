/**
 * Structured logs. Request bodies are never logged, and redaction is the second line of defence for
 * anything that still carries credentials or personal data (tokens, passwords, e-mails, user ids).
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'

const SENSITIVE = ['password', 'token', 'key', 'email', 'userId', 'authorization', 'cookie', 'set-cookie']

export const REDACT_PATHS: string[] = [
  ...SENSITIVE.flatMap((field) => {
    const key = /^\w+$/.test(field) ? field : `["${field}"]`
    return [key, key.startsWith('[') ? `*${key}` : `*.${key}`]
  }),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'user.id',
  'user.email',
]

export interface LoggerConfig {
  level: LoggerOptions['level']
  serviceName: string
  serviceInstanceId?: string | undefined
}

export const createLogger = (config: LoggerConfig, destination?: DestinationStream): Logger => {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: {
      service: config.serviceName,
      ...(config.serviceInstanceId ? { instance: config.serviceInstanceId } : {}),
    },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }
  return destination ? pino(options, destination) : pino(options)
}
