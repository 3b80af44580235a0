/**
 * zod at the edge: a failed parse becomes 400 `validation_error` whose message names the field, so a
 * client can fix its request without reading server logs.
 */
import type { z } from 'zod'
import { HttpError } from './errors.ts'

export const fieldOf = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? 'body' : path.map((part) => String(part)).join('.')

export const parseInput = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message }))
  const first = issues[0] ?? { field: 'body', message: 'invalid input' }
  throw new HttpError(400, 'validation_error', `${first.field}: ${first.message}`, {
    details: { field: first.field, issues },
  })
}
