import { spawn } from 'node:child_process'
import { freePort } from './ports.ts'

/**
 * Starts a real, throwaway redis-server on a free loopback port. Without redis-server the test
 * fails with how to get one: this package's guarantees are about Redis, so a skip would hide that
 * they went unchecked.
 */
export async function startRedis() {
  const bin = process.env.REDIS_SERVER ?? 'redis-server'
  const port = await freePort()
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  await new Promise<void>((resolve, reject) => {
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
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
