/** Signup, login, logout, the current user, and adding members to a tenant. */
import { randomUUID } from 'node:crypto'
import { PLANS } from '@feature-analytics/schema'
import { Router } from '@koa/router'
import type { Context } from 'koa'
import { z } from 'zod'
import { recordAudit } from '../audit.ts'
import { DECOY_HASH, hashPassword, verifyPassword } from '../auth/passwords.ts'
import {
  authenticate,
  authOf,
  endSession,
  requireCookieTransport,
  requireOwner,
  startSession,
} from '../auth/session.ts'
import { HttpError } from '../errors.ts'
import type { Services } from '../services.ts'
import { EmailTakenError, type User } from '../store/types.ts'
import { parseInput } from '../validate.ts'
import { emailInput, MAX_PASSWORD_LENGTH, nameInput, passwordInput, requiredString } from './inputs.ts'
import { publicTenant, publicUser } from './present.ts'

const SignupInput = z.object({
  company: nameInput,
  name: nameInput,
  email: emailInput,
  password: passwordInput,
  plan: z.enum(PLANS),
})
const LoginInput = z.object({
  email: emailInput,
  password: requiredString()
    .min(1, 'required')
    .max(MAX_PASSWORD_LENGTH, `too long: at most ${MAX_PASSWORD_LENGTH} characters`),
})
const NewUserInput = z.object({ name: nameInput, email: emailInput, password: passwordInput })

const emailTaken = () => new HttpError(409, 'email_taken', 'an account with this e-mail exists already')

export const authRoutes = (services: Services): Router => {
  const { store, sessions, throttle, now, passwordCost } = services
  const router = new Router()
  const iso = () => new Date(now()).toISOString()
  const cookieTransport = requireCookieTransport(sessions)

  router.post('/api/signup', cookieTransport, async (ctx: Context) => {
    await throttle.admitSignup(ctx.ip)
    const input = parseInput(SignupInput, ctx.request.body)
    const tenant = {
      id: randomUUID(),
      name: input.company,
      plan: input.plan,
      status: 'active' as const,
      createdAt: iso(),
    }
    const owner: User = {
      id: randomUUID(),
      tenantId: tenant.id,
      name: input.name,
      email: input.email,
      role: 'owner',
      passwordHash: await hashPassword(input.password, passwordCost),
      createdAt: tenant.createdAt,
    }
    try {
      await store.createTenantWithOwner(tenant, owner)
    } catch (err) {
      if (err instanceof EmailTakenError) throw emailTaken()
      throw err
    }
    await recordAudit(store, { tenantId: tenant.id, actorId: owner.id, action: 'tenant.created' }, now)
    const token = await startSession(ctx, owner.id, sessions)
    ctx.status = 201
    ctx.body = { token, user: publicUser(owner), tenant: publicTenant(tenant) }
  })

  router.post('/api/login', cookieTransport, async (ctx: Context) => {
    const input = parseInput(LoginInput, ctx.request.body)
    await throttle.admitLogin(ctx.ip, input.email)
    const user = await store.findUserByEmail(input.email)
    const valid = await verifyPassword(input.password, user?.passwordHash ?? (await DECOY_HASH))
    const tenant = user && valid ? await store.getTenant(user.tenantId) : undefined
    if (!user || !tenant) throw new HttpError(401, 'invalid_credentials', 'wrong e-mail or password')
    await throttle.loginSucceeded(ctx.ip, input.email)
    await recordAudit(store, { tenantId: tenant.id, actorId: user.id, action: 'user.login' }, now)
    const token = await startSession(ctx, user.id, sessions)
    ctx.body = { token, user: publicUser(user), tenant: publicTenant(tenant) }
  })

  router.post('/api/logout', cookieTransport, authenticate(sessions), async (ctx: Context) => {
    await endSession(ctx, sessions)
    ctx.status = 204
  })

  router.get('/api/me', authenticate(sessions), async (ctx: Context) => {
    const { user, tenant } = authOf(ctx)
    ctx.body = { user: publicUser(user), tenant: publicTenant(tenant) }
  })

  router.post('/api/users', authenticate(sessions), requireOwner, async (ctx: Context) => {
    const input = parseInput(NewUserInput, ctx.request.body)
    const { user: owner, tenant } = authOf(ctx)
    const member: User = {
      id: randomUUID(),
      tenantId: tenant.id,
      name: input.name,
      email: input.email,
      role: 'member',
      passwordHash: await hashPassword(input.password, passwordCost),
      createdAt: iso(),
    }
    try {
      await store.createUser(member)
    } catch (err) {
      if (err instanceof EmailTakenError) throw emailTaken()
      throw err
    }
    await recordAudit(
      store,
      { tenantId: tenant.id, actorId: owner.id, action: 'user.added', target: member.id },
      now,
    )
    ctx.status = 201
    ctx.body = { user: publicUser(member) }
  })

  return router
}
