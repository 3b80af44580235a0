import getPort from 'get-port'

/** A free loopback port for a test's own server: never a fixed one, so tests can run side by side. */
export const freePort = (): Promise<number> => getPort({ host: '127.0.0.1' })
