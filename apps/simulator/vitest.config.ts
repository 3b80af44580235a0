import { defineConfig } from 'vitest/config'

// Tests here drive a real API over HTTP for a few seconds each; the default 5 s is too tight on
// a shared two-core machine.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } })
