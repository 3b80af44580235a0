/**
 * Bearer tokens, API keys and invite tokens: 256 random bits, shown once, stored as sha256. A fast
 * hash is enough here because the input is random, unlike a password.
 */
import { createHash, randomBytes } from 'node:crypto'

export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex')
