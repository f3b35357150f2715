/**
 * Time for the emulator. Every task state is derived from `now()` at the moment of a request, never
 * from timers, so a test (or a benchmark) moves the whole emulator through time by moving its clock.
 */

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

// DashScope writes times in Beijing time (UTC+8, no daylight saving) without a zone designator.
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Formats epoch ms the way DashScope's task API does: `2025-12-26 11:33:03.146` (Beijing time). */
export function formatTaskTime(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 23).replace('T', ' ');
}

/**
 * Parses the list API's `start_time`/`end_time` query format, `YYYYMMDDhhmmss` in Beijing time.
 * @returns epoch ms, or `undefined` when the text is not such a time.
 */
export function parseListTime(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 20250231 over into March; a real calendar date must round-trip.
  const back = new Date(utc);
  if (
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  return utc - BEIJING_OFFSET_MS;
}
