/**
 * The command-line choice of a source, shared by `npm run report` and `npm run check`: exactly one
 * of --prometheus URL or --api-metrics URL[,URL...], and a window (--window, or --since/--until)
 * only with Prometheus, since an API page holds only totals since that instance started.
 */
import { metricsEndpointSource, prometheusSource, type Source } from './source.ts'
import { windowFrom } from './window.ts'

/** A command line that cannot be acted on; the CLIs print its message and exit 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** parseArgs options for the source flags. */
export const SOURCE_OPTIONS = {
  prometheus: { type: 'string' },
  'api-metrics': { type: 'string' },
  window: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
} as const

export interface SourceFlags {
  prometheus?: string
  'api-metrics'?: string
  window?: string
  since?: string
  until?: string
}

/** A comma-separated list of http(s) URLs, or a UsageError naming the flag. */
export function httpUrls(flag: string, text: string): string[] {
  const urls = text
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)
  for (const url of urls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new UsageError(`--${flag}: ${JSON.stringify(url)} is not an http(s) URL`)
    }
  }
  if (urls.length === 0) throw new UsageError(`--${flag}: expected at least one URL`)
  return urls
}

export async function sourceFromFlags(flags: SourceFlags): Promise<Source> {
  if ((flags.prometheus === undefined) === (flags['api-metrics'] === undefined)) {
    throw new UsageError('give exactly one of --prometheus URL or --api-metrics URL[,URL...] (see --help)')
  }
  const window = windowFrom(flags)
  if (flags.prometheus !== undefined)
    return prometheusSource(httpUrls('prometheus', flags.prometheus)[0] as string, window)
  if (window) {
    throw new UsageError(
      'a window needs --prometheus: an API page holds only totals since that instance started',
    )
  }
  return metricsEndpointSource(httpUrls('api-metrics', flags['api-metrics'] as string))
}
