import { defineConfig } from 'vitest/config'

// The browser test drives a real API and Chromium for a while; the default 5 s is too tight on
// a shared two-core machine.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } })
