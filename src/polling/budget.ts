/**
 * The in-process {@link AccountBudget}: one token bucket per request kind that slows down when DashScope
 * says 429 `Throttling` and grows back slowly afterwards. Requests that find no token wait in line,
 * first come first served; one timer (per kind) runs only while someone waits.
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

/** One kind's bucket: multiplicative decrease on throttling, additive recovery. */
class Bucket {
  readonly #time: Time;
  readonly #ceiling: number;
  readonly #burst: number;
  readonly #line: Waiter[] = [];
  #rate: number;
  #tokens: number;
  #updatedAt: number;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #throttledAt = Number.NEGATIVE_INFINITY;
  #timer: AbortController | undefined;

  constructor(perSecond: number, time: Time) {
    this.#time = time;
    this.#ceiling = perSecond * HEADROOM;
    this.#rate = this.#ceiling;
    // One token at most, never a burst: at 90% of the rate the rest of every second stays free, so a
    // request that reaches DashScope late (network jitter) does not push a one-second window over.
    this.#burst = 1;
    this.#tokens = this.#burst;
    this.#updatedAt = time.now();
  }

  get rate(): number {
    this.#refill();
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
    this.#refill();
    const now = this.#time.now();
    if (now - this.#throttledAt > ONE_OVERLOAD_MS)
      this.#rate = Math.max(this.#ceiling * FLOOR, this.#rate / 2);
    this.#throttledAt = now;
    this.#tokens = Math.min(this.#tokens, 0);
    this.#pausedUntil = Math.max(this.#pausedUntil, now + (retryAfterMs ?? 1_000));
  }

  /** Grants the line in order as tokens come; runs while anyone waits, one sleep at a time. */
  async #serve(): Promise<void> {
    if (this.#timer) return;
    const timer = new AbortController();
    this.#timer = timer;
    try {
      while (this.#line.length > 0) {
        if (this.#takeNow()) this.#line.shift()?.grant();
        else await this.#time.sleep(this.#nextTokenIn(), timer.signal);
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
    this.#refill();
    if (this.#time.now() < this.#pausedUntil || this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #nextTokenIn(): number {
    const pause = this.#pausedUntil - this.#time.now();
    const refill = ((1 - this.#tokens) / this.#rate) * 1_000;
    return Math.max(1, Math.ceil(Math.max(pause, refill)));
  }

  #refill(): void {
    const now = this.#time.now();
    const elapsedSec = Math.max(0, now - this.#updatedAt) / 1_000;
    this.#updatedAt = now;
    const recoveringSec = (now - this.#throttledAt - RECOVERY_DELAY_MS) / 1_000;
    if (this.#rate < this.#ceiling && recoveringSec > 0) {
      const growth = this.#ceiling * RECOVERY_PER_SECOND * Math.min(elapsedSec, recoveringSec);
      this.#rate = Math.min(this.#ceiling, this.#rate + growth);
    }
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsedSec * this.#rate);
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
