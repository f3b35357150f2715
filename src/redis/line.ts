/**
 * A first-come-first-served line of waiters that can leave (abort) at any time: the budget lanes and
 * the job slots serve their waiters from one of these, the head first.
 */

interface Waiter<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export class WaitLine<T> {
  readonly #waiters: Waiter<T>[] = [];

  /** Waiters in line. */
  get length(): number {
    return this.#waiters.length;
  }

  /** Joins the line; rejects with `signal.reason` as soon as `signal` aborts (and leaves the line). */
  join(signal: AbortSignal | undefined): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<T> = {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Serves the head of the line; false when the line is empty (everyone left meanwhile). */
  serve(value: T): boolean {
    const head = this.#waiters.shift();
    head?.resolve(value);
    return head !== undefined;
  }

  /** Rejects everyone in line. */
  failAll(reason: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }
}
