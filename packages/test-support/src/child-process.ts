/**
 * One of the repo's servers (the API, the console) as a child process, the way tests, the demo and
 * the benches run them: ready when a check passes, its output kept to explain a failed start, killed
 * when it never gets ready, and stopped with SIGTERM so it flushes like in production.
 */
import { type ChildProcess, spawn } from 'node:child_process'

const KEPT_OUTPUT_CHARS = 8000
const POLL_MS = 100
const KILL_AFTER_MS = 15_000

export interface ChildServerOptions<Ready> {
  /** Names it in errors: "the API", "the console". */
  name: string
  /** The program and its arguments. */
  command: readonly [string, ...string[]]
  env: NodeJS.ProcessEnv
  /** 'pipe' keeps stdin open as a lifeline: it closes when this process dies, however it dies. */
  stdin?: 'ignore' | 'pipe'
  /** Where the child's output goes too; without it, the output is shown only if the start fails. */
  output?: NodeJS.WritableStream
  /** Asked every 100 ms, with the output so far, until it answers something other than undefined. */
  ready(output: string): Ready | undefined | Promise<Ready | undefined>
  readyTimeoutMs?: number
  /** The error a failed start throws. */
  startError: new (
    message: string,
  ) => Error
}

export interface RunningChild {
  child: ChildProcess
  /** SIGTERM, then SIGKILL if it has not exited 15 s later. */
  stop(): Promise<void>
}

/** Resolves once `ready` answers, with what it answered. */
export async function startChildServer<Ready>(
  options: ChildServerOptions<Ready>,
): Promise<RunningChild & { ready: Ready }> {
  const [file, ...args] = options.command
  const child = spawn(file, args, { stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'], env: options.env })
  let output = ''
  const keep = (chunk: Buffer) => {
    options.output?.write(chunk)
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let exited = false
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true
      resolve()
    }),
  )
  // A program that cannot be spawned (taskset missing, say) emits 'error' and may never exit.
  let spawnError: Error | undefined
  child.once('error', (error) => {
    spawnError = error
  })
  const fail = (why: string) =>
    new options.startError(`${options.name} ${why}:\n${options.output ? '' : output.trim()}`)

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000)
  for (;;) {
    if (spawnError) throw fail(`could not be started (${spawnError.message})`)
    if (exited) throw fail('exited during startup')
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw fail('did not become ready in time')
    }
    const ready = await options.ready(output)
    if (ready !== undefined) {
      return {
        child,
        ready,
        async stop() {
          if (exited) return
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS)
          await exit
          clearTimeout(timer)
        },
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}
