/**
 * A scaled clock shared by the emulator and the SDK's scheduler, so a benchmark of minutes of
 * DashScope time runs in seconds. Everything timed in a detection run is read on this clock
 * (emulated ms); only wall time is real.
 */
import type { ClientOptions } from '../../src/index.js';

type SchedulerTime = NonNullable<ClientOptions['schedulerTime']>;

/** Emulated time running `factor` times faster than real time, starting now. */
export interface ScaledTime {
  factor: number;
  /** Emulated epoch ms. */
  now(): number;
  /** Resolves after `ms` of emulated time. */
  sleep(ms: number): Promise<void>;
  /** The same clock for the SDK's scheduler (a test/benchmark-only client option). */
  scheduler: SchedulerTime;
}

export function scaledTime(factor: number): ScaledTime {
  const startWall = Date.now();
  const startMono = performance.now();
  const now = () => startWall + (performance.now() - startMono) * factor;
  return {
    factor,
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms) / factor)),
    scheduler: {
      clock: { now },
      wallNow: now,
      setTimer: (callback, ms) => setTimeout(callback, ms / factor),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
  };
}
