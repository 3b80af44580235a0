/** team_invite: an invite with a secret token (mailed, never returned); re-inviting renews it. */
import { randomUUID } from 'node:crypto'
import type { Context } from 'koa'
import { z } from 'zod'
import { putAudited } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import { hashSecret, newSecret } from '../../auth/tokens.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { emailInput } from '../inputs.ts'
import { type FeatureHandlers, isoNow } from './handler.ts'

const INVITE_TTL_MS = 7 * 24 * 3_600_000
const InviteInput = z.object({ email: emailInput, role: z.enum(['member', 'admin']) })

export const teamHandlers = ({ store, now }: Services): FeatureHandlers<'team_invite'> => ({
  async team_invite(ctx: Context) {
    const { email, role } = parseInput(InviteInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const existing = (await store.list('invite', tenant.id)).find((i) => i.email === email)
    const invite = {
      id: existing?.id ?? randomUUID(),
      tenantId: tenant.id,
      email,
      role,
      tokenHash: hashSecret(newSecret('fai')),
      createdAt: isoNow(now),
      expiresAt: new Date(now() + INVITE_TTL_MS).toISOString(),
    }
    await putAudited(store, 'invite', invite, { actorId: user.id, action: 'team.invited' }, now)
    ctx.status = 201
    ctx.body = { invite: { id: invite.id, email, role, expiresAt: invite.expiresAt } }
  },
})
