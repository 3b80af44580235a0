/** Input shapes several routes share. */
import { z } from 'zod'

export const emailInput = z
  .string({ error: 'expected an e-mail address' })
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'expected an e-mail address' }))

export const nameInput = z.string({ error: 'expected a string' }).trim().min(1).max(100)

export const passwordInput = z.string({ error: 'expected a string' }).min(8).max(200)
