import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { freePort } from './ports.ts'

export interface RedisOptions {
  /**
   * Persist every write to an append-only file in this directory (appendfsync always), so a
   * restart on the same directory comes back with every acknowledged write. Default: no persistence.
   */
  aofDir?: string
}

export type TestRedis = Awaited<ReturnType<typeof startRedis>>

function spawnRedis(bin: string, port: number, options: RedisOptions): Promise<ChildProcess> {
  const persistence = options.aofDir
    ? ['--dir', options.aofDir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
    : ['--save', '', '--appendonly', 'no']
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', ...persistence], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start within 10 s:\n${output}`)),
      10_000,
    )
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(
        error.code === 'ENOENT'
          ? new Error(
              `${bin} not found: install Debian's redis-server (apt-get install redis-server) or set REDIS_SERVER`,
            )
          : error,
      )
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve(child)
      }
    })
  })
}

/**
 * Starts a real, throwaway redis-server on a free loopback port. Without redis-server the test
 * fails with how to get one: this package's guarantees are about Redis, so a skip would hide that
 * they went unchecked. The fault methods do to it what an outage does: `kill()` is kill -9,
 * `restart()` starts it again on the same port and directory, `stall()`/`resume()` are
 * SIGSTOP/SIGCONT.
 */
export async function startRedis(options: RedisOptions = {}) {
  const bin = process.env.REDIS_SERVER ?? 'redis-server'
  const port = await freePort()
  let child = await spawnRedis(bin, port, options)
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.removeAllListeners('exit')
    const exited = once(child, 'exit')
    if (signal === 'SIGTERM') child.kill('SIGCONT')
    child.kill(signal)
    await exited
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid
    },
    /** kill -9: no chance to write anything more. */
    kill: () => stopWith('SIGKILL'),
    /** Start again on the same port (and AOF directory). */
    async restart() {
      await stopWith('SIGKILL')
      child = await spawnRedis(bin, port, options)
    },
    stall() {
      child.kill('SIGSTOP')
    },
    resume() {
      child.kill('SIGCONT')
    },
    stop: () => stopWith('SIGTERM'),
  }
}
