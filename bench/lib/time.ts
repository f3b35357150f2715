/**
 * A scaled clock shared by the emulator and the SDK (through `createLocalCoordinator({ time })`), so a
 * benchmark of minutes of DashScope time runs in seconds. Everything timed in a detection run is read
 * on this clock (emulated ms); only wall time is real.
 */
import type { Time } from '../../src/index.js';

/** Emulated time running `factor` times faster than real time, starting now. */
export interface ScaledTime {
  factor: number;
  /** Emulated epoch ms. */
  now(): number;
  /** Resolves after `ms` of emulated time. */
  sleep(ms: number): Promise<void>;
  /** The same clock for the SDK: its budget, sweeps and waits run on it. */
  sdk: Time;
}

/**
 * `origin` (real epoch ms, default now) is where emulated and real time meet: processes given the same
 * origin and factor share one emulated clock (the fleet benchmark's children and its emulator).
 */
export function scaledTime(factor: number, origin = realNow()): ScaledTime {
  const now = () => origin + (realNow() - origin) * factor;
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms) / factor);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  return { factor, now, sleep, sdk: { now, wallNow: now, sleep } };
}

/** Real epoch ms at sub-millisecond resolution, comparable across processes. */
function realNow(): number {
  return performance.timeOrigin + performance.now();
}
