/** The API as a real process (`node src/main.ts`), its JSON log lines readable as they come. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const children: ChildProcess[] = []

/** SIGKILLs whatever start() launched and is still running (for afterEach). */
export const stopStarted = (): void => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

export type StartedApi = ReturnType<typeof start>

/** `node src/main.ts` with `env` added; `logged(msg)` waits for that log line (40 s: a busy machine). */
export const start = (env: Record<string, string>) => {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const lines: string[] = []
  let stderr = ''
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const logged = async (msg: string) => {
    const deadline = Date.now() + 40_000
    for (;;) {
      const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg)
      if (line) return line
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no "${msg}" log line; stderr: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { child, lines, logged, stderr: () => stderr }
}
