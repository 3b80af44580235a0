/**
 * Debian's nginx running apps/web/nginx/default.conf.template, rendered the way the nginx image
 * renders it in docker compose (only ${API_UPSTREAM} substituted), inside a minimal main config
 * with every path under a temp dir. A missing nginx fails the test: it is provisioned, not skipped.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@feature-analytics/test-support/ports'

export const NGINX_PATH = process.env.NGINX_BIN ?? '/usr/sbin/nginx'
const TEMPLATE = fileURLToPath(new URL('../nginx/default.conf.template', import.meta.url))

export interface Nginx {
  url: string
  stop(): Promise<void>
}

/** Serves `dist` as the web service does and proxies the API paths to `apiUrl` (http://host:port). */
export async function startNginx(dist: string, apiUrl: string): Promise<Nginx> {
  if (!existsSync(NGINX_PATH)) {
    throw new Error(
      `nginx is required at ${NGINX_PATH} for the compose web-service test and was not found: run ` +
        'bash scripts/provision (it installs Debian\'s "nginx"), or set NGINX_BIN.',
    )
  }
  const dir = await mkdtemp(join(tmpdir(), 'web-nginx-'))
  const port = await freePort()
  const server = (await readFile(TEMPLATE, 'utf8'))
    .replace(/\$\{API_UPSTREAM\}/g, new URL(apiUrl).host)
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('root /usr/share/nginx/html;', `root ${dist};`)
  await writeFile(join(dir, 'default.conf'), server)
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${join(dir, kind)};`)
    .join('\n  ')
  await writeFile(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  ${temp}
  include ${join(dir, 'default.conf')};
}
`,
  )
  const child: ChildProcess = spawn(NGINX_PATH, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`)
    const up = await fetch(`${url}/index.html`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    if (i > 100) throw new Error(`nginx did not answer at ${url}: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGQUIT')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
