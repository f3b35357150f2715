/**
 * Time for the emulator. Every task state is derived from `now()` at the moment of a request, never
 * from timers, so a test (or a benchmark) moves the whole emulator through time by moving its clock.
 */
import { formatBeijingTime } from '../internal/time.js';

/** Wall-clock time in epoch milliseconds, like `Date.now`. */
export type Now = () => number;

/** A clock that only moves when told to: hand `clock.now` to the emulator, then `advance()` it. */
export interface ManualClock {
  /** The current time, epoch ms. */
  readonly now: Now;
  /** Moves the clock forward by `ms` and returns the new time. */
  advance(ms: number): number;
  /** Sets the clock to `epochMs` (may go backwards, for tests that need it). */
  set(epochMs: number): void;
}

/**
 * Creates a {@link ManualClock}.
 * @param start Initial time, epoch ms. Defaults to 2025-12-26 11:33:03.146 Beijing time, the moment
 * of the model document's example, so times in tests are easy to read.
 */
export function createManualClock(start = Date.UTC(2025, 11, 26, 3, 33, 3, 146)): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() takes a finite ms >= 0, got ${ms}`);
      current += ms;
      return current;
    },
    set(epochMs) {
      current = epochMs;
    },
  };
}

/** Formats epoch ms the way DashScope's task API does: `2025-12-26 11:33:03.146` (Beijing time). */
export const formatTaskTime: (epochMs: number) => string = formatBeijingTime;
