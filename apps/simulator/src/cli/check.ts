/** `npm run check -- --help` */
import { readFile } from 'node:fs/promises'
import {
  checkPassed,
  combineChecks,
  compareActiveUsers,
  compareLedger,
  formatCheck,
  LedgerFormatError,
  parseCommandLine,
  parseLedger,
  SOURCE_OPTIONS,
  SourceError,
  sourceFromFlags,
  UsageError,
  WindowError,
} from '@feature-analytics/insights'
import { fromUserCwd } from './paths.ts'

const HELP = `Compares a simulator ledger with what reached the metrics backend.

Usage: npm run check -- --ledger FILE (--prometheus URL [--window 10m] | --api-metrics URL[,URL...])

  --ledger FILE              the ledger written by simulate              (default ledger.json)
  --prometheus URL           Prometheus base URL, e.g. http://127.0.0.1:9090 (queried via /api/v1/query)
  --api-metrics URL[,URL...] the API instances' own Prometheus-format pages, e.g.
                             http://127.0.0.1:9464/metrics (several are added up)
  --window DURATION          with --prometheus: compare increase() over this window instead of
                             the totals, so API restarts (counter resets) are counted right;
                             --since/--until TIME give the window by its ends
  --help                     this text

Every ledger entry is compared with sum by (<its attributes>) of its metric; non-zero series of the
ledger's instruments that the ledger lacks are reported too. Distinct active users (a HyperLogLog
estimate) agree when within 4 standard errors (at least 1) of the ledger's, in each window (1d, 7d,
30d): a run fits in a day, on a fresh store. The last line is
"checked N series, M mismatches"; the exit status is 1 when M > 0 or N = 0, 2 on bad usage or when
the source cannot be read.`

async function main(): Promise<number> {
  const values = parseCommandLine(HELP, {
    ledger: { type: 'string', default: 'ledger.json' },
    ...SOURCE_OPTIONS,
  })
  if (!values) return 0
  const file = fromUserCwd(values.ledger)
  const ledger = parseLedger(
    await readFile(file, 'utf8').catch((error: Error) => {
      throw new UsageError(`--ledger: cannot read ${file}: ${error.message}`)
    }),
  )
  const source = await sourceFromFlags(values)
  const result = combineChecks(await compareLedger(ledger, source), await compareActiveUsers(ledger, source))
  console.log(formatCheck(result))
  return checkPassed(result) ? 0 : 1
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const known = [UsageError, LedgerFormatError, SourceError, WindowError].some(
      (type) => error instanceof type,
    )
    process.stderr.write(`check: ${known ? (error as Error).message : (error as Error).stack}\n`)
    process.exitCode = 2
  },
)
