import { readFileSync } from 'node:fs'
import { freePort } from '@feature-analytics/test-support/ports'
import { afterAll, describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('README example', () => {
  let shutdown: (() => Promise<void>) | undefined
  afterAll(() => shutdown?.())

  it('is examples/service.ts verbatim', () => {
    expect(read('../README.md')).toContain(`\`\`\`ts\n${read('../examples/service.ts')}\`\`\``)
  })

  it('shows examples/nodesdk-service.ts verbatim (test/nodesdk.test.ts runs it)', () => {
    expect(read('../README.md')).toContain(`\`\`\`ts\n${read('../examples/nodesdk-service.ts')}\`\`\``)
  })

  it('serves what it tracked and merged on its Prometheus endpoint', async () => {
    process.env.METRICS_PORT = String(await freePort())

    const { telemetry } = await import('../examples/service.ts')
    shutdown = () => telemetry.shutdown()
    const scrape = await (await fetch(telemetry.prometheusUrl as string)).text()
    expect(scrape).toMatch(/product_feature_usage_total\{[^}]*feature_name="search"[^}]*\} 1/)
    expect(scrape).toMatch(/product_feature_click_total\{[^}]*ui_element="search-box"[^}]*\} 3/)
    expect(scrape).toMatch(/product_tracker_dropped_total\{reason="unknown_attribute"[^}]*\} 1/)
    expect(scrape).toMatch(/target_info\{[^}]*service_name="saas-api"/)
  })
})
