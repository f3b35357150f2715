/**
 * A first-in first-out counting semaphore whose waiters can be aborted: the in-process
 * `maxConcurrentJobs` (a `JobLimiter`). At most that many jobs are submitted and not yet ended; the
 * others wait here instead of being refused by DashScope's concurrency quota (429
 * `Throttling.AllocationQuota`) after a billed-nothing round trip.
 */
export class JobSlots {
  readonly #limit: number;
  readonly #queue: Array<() => void> = [];
  #inUse = 0;

  /** @param limit Jobs at once; `Infinity` for no limit. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Resolves with a release function once a slot is free; rejects with `signal.reason` on abort. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#inUse < this.#limit) {
      this.#inUse++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(grant);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#inUse++;
        resolve(this.#releaser());
      };
      this.#queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A release that frees the slot once, however often it is called. */
  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse--;
      this.#queue.shift()?.();
    };
  }
}
