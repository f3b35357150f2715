/**
 * The in-process {@link AccountBudget}: one bucket per request kind that slows down when DashScope
 * says 429 `Throttling` and grows back slowly afterwards. Requests that find no grant wait in line,
 * first come first served; one timer (per kind) runs only while someone waits.
 *
 * Each bucket is a GCRA: it keeps the theoretical arrival time `tat` of the next request; a request at
 * `now` conforms when `max(tat, now) - now` is within `tolerance`, and moves `tat` on by one interval.
 * Grants i < j then satisfy `t_j - t_i >= (j - i) · interval - tolerance`. The tolerance is what a
 * timer that fired late may make up for: without it, every late timer (a busy event loop) would cost
 * the account a query for good. It is half an interval, so grants stay at least half an interval
 * apart, and at DashScope's 20/s (planned at 18/s) no one-second window holds more than 19 grants as
 * sent: the one left over is room for requests that reach DashScope bunched by network jitter. For
 * small limits the tolerance shrinks so that no window ever holds more than the limit.
 */
import type { Time } from '../internal/time.js';
import type { AccountBudget, RequestKind } from './ports.js';

/** Fraction of the configured rate actually planned with: room for latency jitter between us and the server. */
const HEADROOM = 0.9;
/** How long after the last 429 before the rate starts growing back, ms. */
const RECOVERY_DELAY_MS = 10_000;
/** Growth per second once recovering, as a fraction of the configured rate (back to full in ~20 s). */
const RECOVERY_PER_SECOND = 0.05;
/** A 429 halves the rate, but never below this fraction of the configured one. */
const FLOOR = 0.05;
/** Answers failing within this long of each other come from one overload: the rate halves once. */
const ONE_OVERLOAD_MS = 1_000;

/** Requests per second by kind; `Infinity` turns a kind's limit off. */
export type Rates = Record<RequestKind, number>;

interface Waiter {
  grant(): void;
}

/** One kind's bucket: GCRA pacing, multiplicative decrease on throttling, additive recovery. */
class Bucket {
  readonly #time: Time;
  readonly #ceiling: number;
  readonly #tolerance: number;
  readonly #line: Waiter[] = [];
  #rate: number;
  #rateAt: number;
  /** When the next request conforms without using the tolerance (GCRA's theoretical arrival time). */
  #tat = Number.NEGATIVE_INFINITY;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #throttledAt = Number.NEGATIVE_INFINITY;
  #timer: AbortController | undefined;

  constructor(limit: number, time: Time) {
    this.#time = time;
    this.#ceiling = limit * HEADROOM;
    this.#rate = this.#ceiling;
    this.#rateAt = time.now();
    // Half an interval, or less where the limit is small: n grants in a one-second window need
    // (n - 1) · interval - tolerance < 1000. 1 µs under the bound, against rounding at a window's edge.
    const interval = 1_000 / this.#ceiling;
    this.#tolerance = Math.max(0, Math.min(interval / 2, limit * interval - 1_000.001));
  }

  get rate(): number {
    this.#recover();
    return this.#rate;
  }

  take(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#line.length === 0 && this.#takeNow()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#line.splice(this.#line.indexOf(waiter), 1);
        if (this.#line.length === 0) this.#stopTimer();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#line.push(waiter);
      void this.#serve();
    });
  }

  throttled(retryAfterMs: number | undefined): void {
    if (!Number.isFinite(this.#ceiling)) return;
    this.#recover();
    const now = this.#time.now();
    if (now - this.#throttledAt > ONE_OVERLOAD_MS)
      this.#rate = Math.max(this.#ceiling * FLOOR, this.#rate / 2);
    this.#throttledAt = now;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + (retryAfterMs ?? 1_000));
    // No burst when the pause ends: DashScope just said the account is over.
    this.#tat = Math.max(this.#tat, this.#pausedUntil + this.#tolerance);
  }

  /** Grants the line in order as requests conform; runs while anyone waits, one sleep at a time. */
  async #serve(): Promise<void> {
    if (this.#timer) return;
    const timer = new AbortController();
    this.#timer = timer;
    try {
      while (this.#line.length > 0) {
        if (this.#takeNow()) this.#line.shift()?.grant();
        else await this.#time.sleep(this.#nextGrantIn(), timer.signal);
      }
    } catch {
      // Stopped: the line emptied while this slept.
    } finally {
      if (this.#timer === timer) this.#timer = undefined;
    }
  }

  /** No one waits: cancel the sleep, so an idle budget holds no timer. */
  #stopTimer(): void {
    this.#timer?.abort();
    this.#timer = undefined;
  }

  #takeNow(): boolean {
    if (!Number.isFinite(this.#ceiling)) return true;
    const now = this.#time.now();
    const base = Math.max(this.#tat, now);
    if (now < this.#pausedUntil || base - now > this.#tolerance) return false;
    this.#tat = base + 1_000 / this.rate;
    return true;
  }

  #nextGrantIn(): number {
    const now = this.#time.now();
    const pause = this.#pausedUntil - now;
    const conforms = Math.max(this.#tat, now) - this.#tolerance - now;
    return Math.max(1, Math.ceil(Math.max(pause, conforms)));
  }

  /** From 10 s after the last 429, the rate grows back by 5% of the ceiling per second. */
  #recover(): void {
    const now = this.#time.now();
    const elapsedSec = Math.max(0, now - this.#rateAt) / 1_000;
    this.#rateAt = now;
    const recoveringSec = (now - this.#throttledAt - RECOVERY_DELAY_MS) / 1_000;
    if (this.#rate < this.#ceiling && recoveringSec > 0) {
      const growth = this.#ceiling * RECOVERY_PER_SECOND * Math.min(elapsedSec, recoveringSec);
      this.#rate = Math.min(this.#ceiling, this.#rate + growth);
    }
  }
}

/** The in-process account budget: `rates` per second for this process, on `time`. */
export function createLocalBudget(rates: Rates, time: Time): AccountBudget {
  const buckets: Record<RequestKind, Bucket> = {
    query: new Bucket(rates.query, time),
    submit: new Bucket(rates.submit, time),
  };
  return {
    take: (kind, signal) => buckets[kind].take(signal),
    throttled: (kind, retryAfterMs) => buckets[kind].throttled(retryAfterMs),
    queryRate: () => buckets.query.rate,
  };
}
