import { readFileSync } from 'node:fs'
import { startRedis } from '@feature-analytics/test-support/redis'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('README example', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>
  beforeAll(async () => {
    redis = await startRedis()
  }, 20_000)
  afterAll(() => redis?.stop())

  it('is examples/replica.ts verbatim', () => {
    expect(read('../README.md')).toContain(`\`\`\`ts\n${read('../examples/replica.ts')}\`\`\``)
  })

  it('runs against a real Redis and leaves its counts there', async () => {
    process.env.REDIS_URL = redis.url
    const { reached, tenantFeatures } = await import('../examples/replica.ts')
    expect(reached.map((e) => [e.stage, e.count])).toEqual([
      ['discovered', 1],
      ['activated', 3],
    ])
    expect(tenantFeatures).toEqual({ report_export: 3 })
    const client = new Redis(redis.url)
    expect(await client.get('saas-api:adoption:count:13:report_export:u-7')).toBe('3')
    await client.quit()
  })
})
