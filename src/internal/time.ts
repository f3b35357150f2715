/**
 * Time as a dependency. Waiting and retrying code takes a {@link Clock} and a {@link Sleep} instead of
 * calling `Date.now()`/`setTimeout` itself, so tests drive it with fake time and nothing else changes.
 */

/** A monotonic clock in milliseconds. */
export interface Clock {
  now(): number;
}

/** Resolves after `ms`, or rejects with `signal.reason` as soon as the signal fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** `performance.now()`: immune to wall-clock jumps, which matters for deadlines. */
export const systemClock: Clock = { now: () => performance.now() };

/** A timer-backed {@link Sleep} that removes its timer and its abort listener whichever way it ends. */
export const systemSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
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
    signal?.addEventListener('abort', onAbort, { once: true });
  });
