/** Runs a tool to completion and returns its output; a non-zero exit throws with that output. */
import { execFile } from 'node:child_process'
import { delimiter, dirname } from 'node:path'
import { ROOT } from './paths.ts'

// `node` in a child (a README example, say) is this Node (24), not whatever the system PATH has.
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`

export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: { ...process.env, PATH, ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim()
        if (error) reject(new Error(`${command} ${args.join(' ')} failed:\n${output || error.message}`))
        else resolve(output)
      },
    )
  })
}
