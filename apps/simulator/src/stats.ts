/** Run counters for the progress line and the final summary. */
export class Stats {
  requests = 0
  retried429 = 0
  /** Requests an instance refused to connect for, sent to another instance instead. */
  rerouted = 0
  /** Invalid inputs the server refused with 400 as planned (counted as outcome=error). */
  plannedInvalid = 0
  /** Gated calls the server refused with 403 as planned (not counted). */
  plannedGated = 0
  /** Browser points the ingest refused as planned (not counted). */
  plannedBrowserRejects = 0
  unexpected = 0
  /**
   * Requests that got no answer because the connection broke after they were sent (an instance
   * died mid-request): the server may or may not have done them, so the ledger leaves them out.
   */
  inDoubt = 0
  readonly #samples: string[] = []

  /**
   * An answer the scenario did not plan for; the first few are kept for the report. `noAnswer`:
   * there was no answer at all (status 0), which counts as in doubt rather than unexpected.
   */
  surprise(what: string, noAnswer = false): void {
    if (noAnswer) this.inDoubt++
    else this.unexpected++
    if (this.#samples.length < 20) this.#samples.push(what)
  }

  get surprises(): readonly string[] {
    return this.#samples
  }
}
