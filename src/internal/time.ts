/**
 * Time as a dependency, and DashScope's way of writing it. Waiting and retrying code takes a
 * {@link Time} (or a {@link Sleep}) instead of calling `performance.now()`/`setTimeout` itself, so tests
 * and benchmarks drive it with fake or scaled time and nothing else changes.
 */

/** Resolves after `ms`, or rejects with `signal.reason` as soon as the signal fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * The clocks and the sleep that waits, the account budget and end detection run on. Public because
 * `createLocalCoordinator({ time })` takes one (tests and benchmarks on a fake or scaled clock).
 */
export interface Time {
  /** A monotonic clock in ms: deadlines and gaps are measured on it. */
  now(): number;
  /** Epoch ms, to compare with DashScope's own times (list windows, end times). */
  wallNow(): number;
  sleep: Sleep;
}

/** Options of {@link systemSleep}. */
export interface SleepOptions {
  /**
   * Whether the pending timer keeps the process alive. Default `true`: a pending wait should. `false`
   * for background loops (heartbeats, lease renewals) that must not keep an idle process from exiting.
   */
  keepAlive?: boolean | undefined;
}

/**
 * The {@link Sleep} the SDK runs on unless given another: resolves after `ms` of real time (`setTimeout`,
 * so fake timers drive it), or rejects with `signal.reason` as soon as `signal` aborts; either way its
 * timer and its abort listener are removed. The third argument is this implementation's own: it is not
 * part of {@link Sleep}, which the SDK calls with `(ms, signal)` only.
 */
export function systemSleep(ms: number, signal?: AbortSignal, options?: SleepOptions): Promise<void> {
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
    if (options?.keepAlive === false) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `performance.now()` (immune to wall-clock jumps, which matters for deadlines), `Date.now()` and
 * `setTimeout`. A pending sleep keeps the process alive, as a pending wait should.
 */
export const systemTime: Time = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep: systemSleep,
};

/** DashScope's times have no zone; they are Beijing time (UTC+8, no daylight saving). */
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Epoch ms of a DashScope task time, `2025-12-26 11:33:03.146` (Beijing time), or undefined when it
 * does not look like one.
 */
export function parseBeijingTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const ms = Number((match[7] ?? '0').padEnd(3, '0'));
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second, ms) - BEIJING_OFFSET_MS;
}

/** A task time as DashScope writes it, `2025-12-26 11:33:03.146` in Beijing time, for epoch ms. */
export function formatBeijingTime(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 23).replace('T', ' ');
}

/** The list endpoint's `start_time`/`end_time` format, `yyyyMMddHHmmss` in Beijing time, for epoch ms. */
export function formatListTime(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** The list endpoint's `yyyyMMddHHmmss` (Beijing time) as epoch ms, or undefined when it is not a real time. */
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
  )
    return undefined;
  return utc - BEIJING_OFFSET_MS;
}
