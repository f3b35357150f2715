/**
 * A fake {@link Time} for unit tests: nothing moves until `advance()`, which fires due sleeps in order
 * and lets every promise they unblock run before looking at the next one. No global timers are faked.
 */
import type { Time } from '../../src/index.js';

/** Wall clock = fake time + this, so list windows have a plausible date (2025-12-26 11:00 Beijing). */
export const FAKE_EPOCH = Date.UTC(2025, 11, 26, 3, 0, 0);

export interface FakeTime extends Time {
  /** Moves time forward by `ms`, firing every sleep that falls due on the way. */
  advance(ms: number): Promise<void>;
  /** Sleeps armed and not yet fired or aborted. */
  pending(): number;
}

interface Timer {
  at: number;
  seq: number;
  fire(): void;
}

/** Lets every queued promise reaction (and the ones they queue) run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createFakeTime(): FakeTime {
  let now = 0;
  let seq = 0;
  const timers = new Set<Timer>();
  const next = (until: number) => {
    let first: Timer | undefined;
    for (const timer of timers)
      if (
        timer.at <= until &&
        (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq))
      )
        first = timer;
    return first;
  };
  return {
    now: () => now,
    wallNow: () => FAKE_EPOCH + now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => {
          timers.delete(timer);
          reject(signal?.reason);
        };
        const timer: Timer = {
          at: now + Math.max(0, ms),
          seq: seq++,
          fire: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        timers.add(timer);
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    async advance(ms) {
      const end = now + ms;
      await settle();
      for (let timer = next(end); timer; timer = next(end)) {
        timers.delete(timer);
        now = Math.max(now, timer.at);
        timer.fire();
        await settle();
      }
      now = end;
      await settle();
    },
    pending: () => timers.size,
  };
}
