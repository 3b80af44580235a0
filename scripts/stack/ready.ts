/** Readiness probes: a component is up when it answers, not when its process exists. */
import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { postgresBinDir } from '../lib/postgres.ts'

export type Readiness =
  | { kind: 'http'; url: string }
  | { kind: 'redis'; port: number }
  | { kind: 'postgres'; port: number }

export async function probe(readiness: Readiness): Promise<boolean> {
  try {
    if (readiness.kind === 'redis') return await redisPing(readiness.port)
    if (readiness.kind === 'postgres') return await postgresReady(readiness.port)
    const response = await fetch(readiness.url, { signal: AbortSignal.timeout(2000) })
    await response.body?.cancel()
    return response.ok
  } catch {
    return false
  }
}

/**
 * Polls until ready. `alive` lets a crashed process fail the wait at once instead of at the
 * deadline, so the error names the real cause.
 */
export async function waitReady(
  readiness: Readiness,
  alive: () => boolean,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe(readiness)) return 'ready'
    if (!alive()) return 'exited'
    await sleep(200)
  }
  return 'timeout'
}

/** pg_isready: accepting connections, not merely listening (a starting server refuses queries). */
function postgresReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(join(postgresBinDir(), 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], (error) =>
      resolve(error === null),
    )
  })
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(2000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1')
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
  })
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(1000, () => {
      socket.destroy()
      resolve(false)
    })
    socket.on('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}
