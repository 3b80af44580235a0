/**
 * Who is calling: a bearer token (API clients) or the `session` cookie (the browser, so that
 * `fetch(..., { keepalive: true })` from a closing page still authenticates). Both name the same
 * server-side session.
 */
import type { Plan } from '@feature-analytics/schema'
import type { Context, Middleware } from 'koa'
import { HttpError } from '../errors.ts'
import type { Store, Tenant, User } from '../store/types.ts'
import { hashSecret, newSecret } from './tokens.ts'

export const SESSION_COOKIE = 'session'

/** What tracker-koa's default resolveUser reads from ctx.state.user. */
export interface RequestUser {
  userId: string
  tenantId: string
  plan: Plan
}

export interface AuthState {
  user: RequestUser
  auth: { user: User; tenant: Tenant; tokenHash: string }
}

export interface SessionOptions {
  store: Store
  ttlMs: number
  secureCookie: boolean
  now: () => number
}

const bearerToken = (ctx: Context): string | undefined => {
  const header = ctx.get('authorization')
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1]
}

export const startSession = async (
  ctx: Context,
  userId: string,
  options: SessionOptions,
): Promise<string> => {
  const token = newSecret('fas')
  const expiresAt = options.now() + options.ttlMs
  await options.store.createSession({ tokenHash: hashSecret(token), userId, expiresAt })
  ctx.cookies.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secureCookie,
    path: '/',
    expires: new Date(expiresAt),
    overwrite: true,
  })
  return token
}

/**
 * With COOKIE_SECURE=true the session cookie can only be set on a request that came over HTTPS
 * (directly, or through a proxy trusted with TRUST_PROXY that says so in X-Forwarded-Proto). Checked
 * before a route changes anything, so a refused sign-up leaves no account behind to make a retry 409.
 */
export const requireCookieTransport =
  (options: SessionOptions): Middleware =>
  async (ctx, next) => {
    if (options.secureCookie && !ctx.secure) {
      throw new HttpError(
        403,
        'https_required',
        'this server sets its session cookie over HTTPS only (COOKIE_SECURE=true): use https, or behind a ' +
          'TLS-terminating proxy set TRUST_PROXY so the API believes its X-Forwarded-Proto',
      )
    }
    await next()
  }

export const endSession = async (ctx: Context, options: SessionOptions): Promise<void> => {
  const state = ctx.state as Partial<AuthState>
  if (state.auth) await options.store.deleteSession(state.auth.tokenHash)
  ctx.cookies.set(SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secureCookie,
    path: '/',
    expires: new Date(0),
    overwrite: true,
  })
}

/** 401 unless the request carries a live session; sets ctx.state.user and ctx.state.auth. */
export const authenticate = (options: SessionOptions): Middleware => {
  return async (ctx, next) => {
    const token = bearerToken(ctx) ?? ctx.cookies.get(SESSION_COOKIE)
    if (!token)
      throw new HttpError(401, 'unauthorized', 'sign in first: send a bearer token or the session cookie')
    const tokenHash = hashSecret(token)
    const session = await options.store.findSession(tokenHash, options.now())
    const user = session && (await options.store.getUser(session.userId))
    const tenant = user && (await options.store.getTenant(user.tenantId))
    if (!user || !tenant) throw new HttpError(401, 'unauthorized', 'the session is invalid or has expired')
    const state: AuthState = {
      user: { userId: user.id, tenantId: tenant.id, plan: tenant.plan },
      auth: { user, tenant, tokenHash },
    }
    Object.assign(ctx.state, state)
    await next()
  }
}

export const requireOwner: Middleware = async (ctx, next) => {
  const { auth } = ctx.state as AuthState
  if (auth.user.role !== 'owner') throw new HttpError(403, 'forbidden', 'only the tenant owner can do this')
  await next()
}

export const authOf = (ctx: Context): AuthState['auth'] => (ctx.state as AuthState).auth
