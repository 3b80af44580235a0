/**
 * The repo's CLIs read their flags the same way: node's parseArgs, strict (an unknown flag is a
 * usage error), and `--help` prints the usage text and stops before anything else is checked.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util'

const HELP_OPTION = { help: { type: 'boolean', default: false } } as const

/** The flags' values, or undefined once `--help` has printed `help` (the caller exits 0). */
export function parseCommandLine<const O extends ParseArgsOptionsConfig>(
  help: string,
  options: O,
  args: string[] = process.argv.slice(2),
) {
  const { values } = parseArgs({ args, options: { ...options, ...HELP_OPTION }, strict: true })
  // Generic options leave parseArgs unable to see `help` in the values' type; it is there.
  if (!(values as { help: boolean }).help) return values
  console.log(help)
  return undefined
}
