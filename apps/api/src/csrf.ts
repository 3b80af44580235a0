/**
 * Cross-site request forgery: every request that can change state (any method but GET, HEAD and
 * OPTIONS) must come from an allowed origin, that is this server's own origin (the UI it serves, or
 * nginx in front of it) or one listed in ALLOWED_ORIGINS. Checked before the body is read.
 *
 * - `Origin` present (every current browser sends it on such requests): it must be allowed. `null`
 *   (sandboxed frames, cross-origin redirects) is not.
 * - No `Origin`, but `Sec-Fetch-Site`: only `same-origin` (or `none`, typed by the user) passes.
 * - Neither: not a browser's request (the simulator, k6, curl, the examples). It passes unless it
 *   authenticates with the session cookie alone: a cookie is what a browser attaches on its own, so
 *   cookie-only state changes need a browser's proof of origin. A bearer token is never attached by
 *   a browser on its own, so a request carrying one cannot be forged this way.
 */
import type { Context, Middleware } from 'koa'
import { SESSION_COOKIE } from './auth/session.ts'
import { HttpError } from './errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const TRUSTED_FETCH_SITES = new Set(['same-origin', 'none'])

const refused = (message: string) => new HttpError(403, 'cross_origin_refused', message)

const refusal = (ctx: Context, allowed: ReadonlySet<string>): HttpError | undefined => {
  const origin = ctx.get('origin')
  if (origin) {
    // Koa 3's ctx.origin is the Origin header itself; this server's own origin is built here.
    if (origin === `${ctx.protocol}://${ctx.host}` || allowed.has(origin)) return undefined
    return refused(
      `requests from origin ${origin.slice(0, 200)} may not change state here ` +
        '(allowed: this server’s own origin and ALLOWED_ORIGINS)',
    )
  }
  const site = ctx.get('sec-fetch-site')
  if (site) {
    return TRUSTED_FETCH_SITES.has(site)
      ? undefined
      : refused(`a ${site.slice(0, 20)} request may not change state here`)
  }
  if (ctx.cookies.get(SESSION_COOKIE) && !/^Bearer\s/i.test(ctx.get('authorization'))) {
    return refused(
      'a request authenticated by the session cookie must carry an Origin header (browsers send it); ' +
        'API clients authenticate with a bearer token instead',
    )
  }
  return undefined
}

export const originCheck = (allowedOrigins: readonly string[] = []): Middleware => {
  const allowed = new Set(allowedOrigins)
  return async (ctx, next) => {
    if (!SAFE_METHODS.has(ctx.method)) {
      const error = refusal(ctx, allowed)
      if (error) throw error
    }
    await next()
  }
}
