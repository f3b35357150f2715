/**
 * Real time for fleet mode. Leases, heartbeats and Redis's bucket run on Redis's clock, which is real
 * time, so this process's loops around them do too: they never take an injected clock. A benchmark
 * running DashScope's time `scale` times faster only converts rates and Retry-After at the edge.
 */

/** A monotonic clock, ms. */
export const monotonicNow = (): number => performance.now();

/**
 * Resolves after `ms` of real time, or rejects with `signal.reason` as soon as `signal` aborts. With
 * `keepAlive` false the timer does not keep the process alive (the heartbeats of an idle client).
 */
export function nap(ms: number, signal: AbortSignal | undefined, keepAlive: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    if (!keepAlive) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
