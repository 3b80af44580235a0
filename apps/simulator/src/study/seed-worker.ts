/**
 * A worker thread of the validation study: runs the seeds its parent sends (each with its own
 * API in this thread) and answers with their outcomes, so `--jobs N` plays N seeds at once.
 */
import { parentPort } from 'node:worker_threads'
import type { LoadedScenario } from '../scenario.ts'
import { runSeed, type SeedOutcome } from './study.ts'

export interface SeedTask {
  id: number
  scenario: LoadedScenario
  seed: number
}

export type SeedAnswer = { id: number; outcome: SeedOutcome } | { id: number; error: string }

const port = parentPort
if (!port) throw new Error('seed-worker.ts runs as a worker thread of the study')
port.on('message', async ({ id, scenario, seed }: SeedTask) => {
  try {
    port.postMessage({ id, outcome: await runSeed(scenario, seed) } satisfies SeedAnswer)
  } catch (error) {
    port.postMessage({ id, error: (error as Error).stack ?? String(error) } satisfies SeedAnswer)
  }
})
