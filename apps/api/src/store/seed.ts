/**
 * Demo accounts, one tenant per plan, so the demo can be tried without signing up:
 * demo-free@example.com, demo-pro@example.com, demo-enterprise@example.com (password: DEMO_PASSWORD).
 */
import { randomUUID } from 'node:crypto'
import { PLANS, type Plan } from '@feature-analytics/schema'
import { hashPassword } from '../auth/passwords.ts'
import type { Store } from './types.ts'

export const demoEmail = (plan: Plan): string => `demo-${plan}@example.com`

export const seedDemoAccounts = async (store: Store, password: string, now = Date.now()): Promise<void> => {
  const createdAt = new Date(now).toISOString()
  for (const plan of PLANS) {
    const email = demoEmail(plan)
    if (await store.findUserByEmail(email)) continue
    const tenantId = randomUUID()
    const label = `${plan[0]?.toUpperCase()}${plan.slice(1)}`
    await store.createTenantWithOwner(
      { id: tenantId, name: `Demo ${label} Inc.`, plan, status: 'active', createdAt },
      {
        id: randomUUID(),
        tenantId,
        name: `Demo ${label} Owner`,
        email,
        role: 'owner',
        passwordHash: await hashPassword(password),
        createdAt,
      },
    )
  }
}
