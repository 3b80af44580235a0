/**
 * Runs study seeds on `jobs` worker threads (one API and simulator per thread, so seeds use every
 * core), in the order given, and stops starting new ones once `keepGoing()` says so: the study's
 * time budget. A seed that fails ends the study with its error rather than a table without it.
 */
import { Worker } from 'node:worker_threads'
import type { LoadedScenario } from '../scenario.ts'
import type { SeedAnswer, SeedTask } from './seed-worker.ts'
import type { SeedOutcome } from './study.ts'

export interface PoolTask {
  scenario: LoadedScenario
  seed: number
}

export async function runPool<T extends PoolTask>(
  tasks: readonly T[],
  jobs: number,
  keepGoing: () => boolean,
  onDone: (task: T, outcome: SeedOutcome, ms: number) => void,
): Promise<void> {
  let next = 0
  let failed = false
  const go = () => !failed && keepGoing()
  const workerLoop = async (): Promise<void> => {
    if (next >= tasks.length || !go()) return
    const worker = new Worker(new URL('./seed-worker.ts', import.meta.url))
    try {
      while (next < tasks.length && go()) {
        const id = next++
        const task = tasks[id] as T
        const started = Date.now()
        const answer = await new Promise<SeedAnswer>((resolve, reject) => {
          worker.once('message', resolve)
          worker.once('error', reject)
          worker.postMessage({ id, scenario: task.scenario, seed: task.seed } satisfies SeedTask)
        })
        worker.removeAllListeners('error')
        if ('error' in answer) throw new Error(`seed ${task.seed}: ${answer.error}`)
        onDone(task, answer.outcome, Date.now() - started)
      }
    } catch (error) {
      failed = true
      throw error
    } finally {
      await worker.terminate()
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, workerLoop))
}
