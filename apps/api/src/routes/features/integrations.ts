/** integration_connect: one connection per provider; connecting again refreshes it. */
import { randomUUID } from 'node:crypto'
import type { Context } from 'koa'
import { z } from 'zod'
import { authOf } from '../../auth/session.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { answerUpsert, type FeatureHandlers, isoNow } from './handler.ts'

const ConnectInput = z.object({ provider: z.enum(['slack', 'github', 'jira', 'salesforce']) })

export const integrationHandlers = ({ store, now }: Services): FeatureHandlers<'integration_connect'> => ({
  async integration_connect(ctx: Context) {
    const { provider } = parseInput(ConnectInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const existing = (await store.list('integration', tenant.id)).find((i) => i.provider === provider)
    const at = isoNow(now)
    const integration = {
      id: existing?.id ?? randomUUID(),
      tenantId: tenant.id,
      provider,
      createdAt: existing?.createdAt ?? at,
      connectedAt: at,
    }
    const by = { actorId: user.id, action: 'integration.connected', target: provider }
    const body = { integration: { id: integration.id, provider, connectedAt: at } }
    const replaced = existing !== undefined
    await answerUpsert(ctx, { store, now }, { kind: 'integration', record: integration, by, replaced, body })
  },
})
