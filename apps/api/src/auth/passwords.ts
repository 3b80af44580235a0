/**
 * Password hashing with node:crypto scrypt. The parameters travel inside the hash, so they can be
 * raised later without invalidating stored passwords.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'

const KEY_LENGTH = 32
/** scrypt's CPU/memory cost N: 16384 (about 50 ms and 16 MiB per hash) unless the app is told otherwise. */
export const DEFAULT_PASSWORD_COST = 16384

const derive = (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })

export const hashPassword = async (password: string, cost = DEFAULT_PASSWORD_COST): Promise<string> => {
  const params = { N: cost, r: 8, p: 1 } as const
  const salt = randomBytes(16)
  const key = await derive(password, salt, params)
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const [scheme, n, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !key) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/**
 * A real hash of a random password, checked against when the e-mail is unknown, so a login for a
 * missing account costs the same as one with a wrong password and does not reveal which e-mails exist.
 */
export const DECOY_HASH: Promise<string> = hashPassword(randomBytes(16).toString('hex'))
