/** A tenant's accounts: its plan, its owner and its members, created through the API. */
import { exponentialDistributor, type Faker } from '@faker-js/faker'
import { PLANS, type Plan } from '@feature-analytics/schema'
import { type BrowserBatch, emptyBatch } from './browser.ts'
import type { Answer, ApiClient } from './client.ts'
import { paretoWeight } from './random.ts'
import type { Scenario } from './scenario.ts'

export interface SimUser {
  index: number
  token: string
  /** Heavy-tailed activity multiplier: most users near 1, a few power users far above. */
  weight: number
  batch: BrowserBatch
}

export interface SignedUp {
  plan: Plan
  users: SimUser[]
}

export interface SignUpDeps {
  index: number
  scenario: Scenario
  faker: Faker
  client: ApiClient
  /** Unique per run, only in e-mail addresses, so reruns against one API do not collide. */
  runTag: string
  /** Account steps must succeed: returns the body of an answer with `status`, or aborts the tenant. */
  expect: (answer: Answer, status: number, what: string) => unknown
}

/** Picks the plan and the team size, signs the owner up, adds and logs in the members. */
export async function signUp({
  index,
  scenario,
  faker,
  client,
  runTag,
  expect,
}: SignUpDeps): Promise<SignedUp> {
  const plan = faker.helpers.weightedArrayElement(
    PLANS.filter((p) => scenario.plans[p].share > 0).map((p) => ({
      weight: scenario.plans[p].share,
      value: p,
    })),
  )
  const { min, max, bias } = scenario.plans[plan].users
  const size = faker.number.int({
    min,
    max,
    ...(bias === undefined ? {} : { distributor: exponentialDistributor({ bias }) }),
  })
  const password = faker.internet.password({ length: 16 })
  const { paretoAlpha, maxMultiplier } = scenario.activity
  const people = Array.from({ length: size }, (_, i) => ({
    name: faker.person.fullName(),
    // Synthetic and unique; never printed or recorded.
    email: `sim-${runTag}-t${index}-u${i}@example.com`,
    weight: paretoWeight(faker, paretoAlpha, maxMultiplier),
  }))
  const company = faker.company.name()

  const users: SimUser[] = []
  const [owner, ...members] = people
  if (!owner) return { plan, users }
  const signup = await client.call('POST', '/api/signup', {
    body: { company, name: owner.name, email: owner.email, password, plan },
  })
  const { token: ownerToken } = expect(signup, 201, 'signup') as { token: string }
  users.push({ index: 0, token: ownerToken, weight: owner.weight, batch: emptyBatch() })
  for (const [i, member] of members.entries()) {
    const created = await client.call('POST', '/api/users', {
      token: ownerToken,
      body: { name: member.name, email: member.email, password },
    })
    expect(created, 201, 'add member')
    const login = await client.call('POST', '/api/login', { body: { email: member.email, password } })
    const { token } = expect(login, 200, 'member login') as { token: string }
    users.push({ index: i + 1, token, weight: member.weight, batch: emptyBatch() })
  }
  return { plan, users }
}
