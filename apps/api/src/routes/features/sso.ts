/** sso_configure: one SSO configuration per tenant; configuring again replaces it. */
import type { Context } from 'koa'
import { z } from 'zod'
import { putAudited } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { type FeatureHandlers, isoNow } from './handler.ts'

const SsoInput = z.object({
  provider: z.enum(['okta', 'azure_ad', 'google']),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .regex(
      /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'expected a domain like example.com',
    ),
})

export const ssoHandlers = ({ store, now }: Services): FeatureHandlers<'sso_configure'> => ({
  async sso_configure(ctx: Context) {
    const { provider, domain } = parseInput(SsoInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const sso = { id: 'sso', tenantId: tenant.id, provider, domain, createdAt: isoNow(now) }
    await putAudited(store, 'sso', sso, { actorId: user.id, action: 'sso.configured', target: provider }, now)
    ctx.body = { sso: { provider, domain, updatedAt: sso.createdAt } }
  },
})
