/**
 * The JSON body parser every route uses (@koa/bodyparser), with its failures turned into answers a
 * client can act on. Its HTTP errors (413, 415, bad JSON) keep their status; a body that claims a
 * Content-Encoding but does not decode is the client's fault, so it gets 400 rather than the 500 a
 * bare zlib error would give. The rest of such a body is drained, so the answer reaches a client that
 * is still sending instead of a reset connection.
 */
import { bodyParser } from '@koa/bodyparser'
import type { Context, Middleware } from 'koa'
import { HttpError } from './errors.ts'

/** What the parser (co-body via @hapi/bourne) throws for a `__proto__` key, before it can do harm. */
const PROTO_KEY_MESSAGE = 'Object contains forbidden prototype property'

const bodyError = (err: unknown, ctx: Context): Error => {
  const error = err as { status?: unknown; message?: unknown }
  if (error.message === PROTO_KEY_MESSAGE) {
    const message = 'this key is not allowed in a JSON body'
    return new HttpError(400, 'validation_error', `__proto__: ${message}`, {
      details: { field: '__proto__', issues: [{ field: '__proto__', message }] },
    })
  }
  if (typeof error.status === 'number') return err as Error
  // Anything else comes from decoding the body (zlib, brotli): the bytes are not what they claim.
  ctx.req.resume()
  ctx.set('Connection', 'close')
  const encoding = ctx.get('content-encoding') || 'identity'
  return new HttpError(
    400,
    'invalid_encoding',
    `request body could not be decoded as Content-Encoding: ${encoding} (corrupt or truncated)`,
  )
}

export const jsonBody = (limit: number | string): Middleware =>
  bodyParser({
    enableTypes: ['json'],
    jsonLimit: limit,
    onError: (err, ctx) => {
      throw bodyError(err, ctx)
    },
  })
