/** `npm run report -- --help` */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseCommandLine } from '../command-line.ts'
import { formatInsights } from '../format.ts'
import { collectReport, reportJson } from '../report.ts'
import { SourceError } from '../source.ts'
import { SOURCE_OPTIONS, sourceFromFlags, UsageError } from '../source-args.ts'
import { StatsInputError } from '../stats/errors.ts'
import { WindowError } from '../window.ts'

const HELP = `Which features drive upgrades and retention, with their uncertainty.

Usage: npm run report -- (--prometheus URL | --api-metrics URL[,URL...])
                         [--window 30d | --since TIME [--until TIME]] [--json FILE]

  --prometheus URL           Prometheus base URL, e.g. http://127.0.0.1:9090
  --api-metrics URL[,URL...] the API instances' own /metrics pages (several are added up); these
                             hold totals since each instance started, so they take no window
  --window DURATION          the last 30d, 12h, 15m, 1d12h ... (counters read with increase(), so
                             API restarts neither lose nor double count)
  --since TIME, --until TIME a window from RFC 3339 times or unix seconds (--until defaults to now)
  --json FILE                also write the report as JSON (upgradeDrivers, retentionDrivers,
                             activeUsers, ...)
  --help                     this text

Active users (DAU, WAU, MAU per feature and plan, and DAU/MAU stickiness) are distinct users in the
1, 7 and 30 days ending at the report's end, whatever the window; several replicas report the same
shared count, so they are never added up.

Exit status: 0 with a report, 2 on bad usage or when the source cannot be read.`

async function main(argv: string[]): Promise<number> {
  const values = parseCommandLine(
    HELP,
    {
      ...SOURCE_OPTIONS,
      json: { type: 'string' },
    },
    argv,
  )
  if (!values) return 0
  const source = await sourceFromFlags(values)
  const report = await collectReport(source)
  console.log(formatInsights(report))
  if (values.json !== undefined) {
    // npm runs scripts from the package or repo root; INIT_CWD is where the user typed the command.
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), values.json)
    await writeFile(file, reportJson(report))
    console.log(`\nreport: wrote ${file}`)
  }
  return 0
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      const known = [UsageError, SourceError, WindowError, StatsInputError, TypeError].some(
        (type) => error instanceof type,
      )
      process.stderr.write(`report: ${known ? (error as Error).message : (error as Error).stack}\n`)
      process.exitCode = 2
    },
  )
}
