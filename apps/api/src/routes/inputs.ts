/**
 * Input shapes several routes share. Every check carries its own message: a schema-wide `error`
 * would also answer for a failed length check, and "expected a string" for a 101-character name
 * sends the client looking for the wrong problem.
 */
import { z } from 'zod'

export const MAX_NAME_LENGTH = 100
export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 200
const MAX_EMAIL_LENGTH = 254

/** "required" for a missing field, "expected a string" for a present one of the wrong type. */
export const requiredString = (expected = 'expected a string') =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : expected) })

export const emailInput = requiredString('expected an e-mail address')
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, `too long: at most ${MAX_EMAIL_LENGTH} characters`)
  .pipe(z.email({ error: 'expected an e-mail address' }))

export const nameInput = requiredString()
  .trim()
  .min(1, 'must not be blank')
  .max(MAX_NAME_LENGTH, `too long: at most ${MAX_NAME_LENGTH} characters`)

export const passwordInput = requiredString()
  .min(MIN_PASSWORD_LENGTH, `too short: at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `too long: at most ${MAX_PASSWORD_LENGTH} characters`)
