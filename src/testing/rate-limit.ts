/**
 * Per-account request budgets, as token buckets on the emulator's clock. DashScope limits task
 * queries to 20/s per Alibaba Cloud account (all its keys together); other endpoints have their own
 * rates. A bucket refills continuously, so a fake clock that does not move never refills it.
 */
import type { Now } from './clock.js';

/** A request budget: `perSecond` tokens refill each second, up to `burst` held at once. */
export interface RateLimit {
  /** Sustained rate, requests per second. `Infinity` disables the limit. */
  perSecond: number;
  /** Bucket size: requests allowed at once after a quiet period. Defaults to `perSecond` (at least 1). */
  burst?: number;
}

/** What {@link TokenBuckets.take} decided. */
export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** One token bucket per key (the account), all sharing one {@link RateLimit}. */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limit: RateLimit;
  readonly #now: Now;

  constructor(limit: RateLimit, now: Now) {
    if (!(limit.perSecond > 0)) throw new RangeError(`perSecond must be > 0, got ${limit.perSecond}`);
    this.#limit = limit;
    this.#now = now;
  }

  get #capacity(): number {
    return this.#limit.burst ?? Math.max(1, this.#limit.perSecond);
  }

  /** Takes one token for `key`, or says how long until one is available. */
  take(key: string): TakeResult {
    if (this.#limit.perSecond === Number.POSITIVE_INFINITY) return { ok: true };
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, updatedAt: now };
    // max(0, …): a clock set backwards must not drain the bucket.
    const elapsedSec = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + elapsedSec * this.#limit.perSecond);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.#limit.perSecond) * 1000) };
  }

  /** Forgets every bucket (all full again). */
  clear(): void {
    this.#buckets.clear();
  }
}
