/** Opens the console in a fresh browser context with its token, collecting every console error. */
import type { Browser, Page } from 'playwright-core'

export async function openConsole(
  browser: Browser,
  consoleUrl: string,
  token: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.goto(`${consoleUrl}/#token=${token}`)
  return { page, errors }
}
