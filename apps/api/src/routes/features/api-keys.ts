/** api_key_create: the key is returned once; only its hash and a short prefix are kept. */
import { randomUUID } from 'node:crypto'
import type { Context } from 'koa'
import { z } from 'zod'
import { putAudited } from '../../audit.ts'
import { authOf } from '../../auth/session.ts'
import { hashSecret, newSecret } from '../../auth/tokens.ts'
import type { Services } from '../../services.ts'
import { parseInput } from '../../validate.ts'
import { nameInput } from '../inputs.ts'
import { type FeatureHandlers, isoNow } from './handler.ts'

const KeyInput = z.object({ name: nameInput })

export const apiKeyHandlers = ({ store, now }: Services): FeatureHandlers<'api_key_create'> => ({
  async api_key_create(ctx: Context) {
    const { name } = parseInput(KeyInput, ctx.request.body)
    const { user, tenant } = authOf(ctx)
    const key = newSecret('fak')
    const apiKey = {
      id: randomUUID(),
      tenantId: tenant.id,
      name,
      prefix: key.slice(0, 10),
      keyHash: hashSecret(key),
      createdAt: isoNow(now),
    }
    await putAudited(store, 'apiKey', apiKey, { actorId: user.id, action: 'api_key.created' }, now)
    ctx.status = 201
    ctx.body = { apiKey: { id: apiKey.id, name, prefix: apiKey.prefix, createdAt: apiKey.createdAt }, key }
  },
})
