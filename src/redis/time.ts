/**
 * Local time for fleet mode. Redis's clock decides grants and expiries; this one paces the loops of
 * one process (retries, heartbeats, the local share while Redis is away). Injected, so the benchmark
 * can run the whole fleet on a scaled clock.
 */

/** A monotonic clock and a timer, ms. */
export interface FleetTime {
  /** Monotonic ms. */
  now(): number;
  /** Wall-clock epoch ms (what DashScope's times are compared with). */
  wallNow(): number;
  /**
   * Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts. With `keepAlive`
   * false the timer does not keep the process alive (heartbeats of an idle client must not).
   */
  sleep(ms: number, signal?: AbortSignal, keepAlive?: boolean): Promise<void>;
  /**
   * How many local ms pass per ms of the clocks above; 1 in production. Redis's clock is real time,
   * so rates sent to Redis are multiplied by it and durations divided.
   */
  scale: number;
}

/** `performance.now()` and `setTimeout`. */
export const systemFleetTime: FleetTime = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep: (ms, signal, keepAlive = true) => sleepFor(ms, signal, keepAlive),
  scale: 1,
};

/** A `setTimeout` sleep that removes its timer and abort listener whichever way it ends. */
export function sleepFor(ms: number, signal: AbortSignal | undefined, keepAlive: boolean): Promise<void> {
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
