/**
 * The same bucket as the `BUCKET` Lua script (scripts.ts), kept in this process: the local share a
 * process spends from while Redis is unreachable. GCRA keeps one number, the theoretical arrival
 * time `tat` of the next request; a request at `now` conforms when `max(tat, now) - now <= tolerance`
 * and moves `tat` on by one interval `1000 / rate`.
 *
 * Why no one-second window ever holds more than `limit` grants: conforming grants i < j satisfy
 * `t_j - t_i >= (j - i) · interval - tolerance`. Inside a half-open window `t_j - t_i < 1000`, so
 * `n - 1 < (1000 + tolerance) / interval`. With `tolerance = limit · interval_ceiling - 1000` and
 * `interval >= interval_ceiling`, that is `n < limit + 1`. The rate runs at 90% of the limit
 * (`HEADROOM`): the remaining tenth is the burst that tolerance allows, and room for network jitter.
 */

/** Sustained rate as a fraction of the limit, like the in-process budget's. */
export const HEADROOM = 0.9;

/** A local GCRA bucket with pause and slowdown on 429, on a monotonic ms clock. */
export class LocalBucket {
  readonly #ceiling: number;
  readonly #tolerance: number;
  #rate: number;
  #tat = Number.NEGATIVE_INFINITY;
  #pause = Number.NEGATIVE_INFINITY;
  #slowAt = Number.NEGATIVE_INFINITY;
  readonly #scale: number;

  /** `limit` per real second; `scale`: how much faster DashScope's clock runs (recovery is timed on it). */
  constructor(limit: number, scale = 1) {
    this.#scale = scale;
    this.#ceiling = limit * HEADROOM;
    this.#rate = this.#ceiling;
    // 1 µs less than the bound, against rounding at the edge of a window.
    this.#tolerance = Math.max(0, (limit * 1000) / this.#ceiling - 1000.001);
  }

  /** Takes a grant at `now`: resolves 0 when granted, else the ms to wait before asking again. */
  take(now: number): number {
    const base = Math.max(this.#tat, now);
    if (this.#pause > now) return this.#pause - now;
    if (base - now > this.#tolerance) return base - now - this.#tolerance;
    this.#tat = base + 1000 / this.rate(now);
    return 0;
  }

  /** A 429: pause for `retryAfterMs`, halve the rate (once per second at most). */
  throttled(now: number, retryAfterMs: number): void {
    this.#pause = Math.max(this.#pause, now + retryAfterMs);
    if ((now - this.#slowAt) * this.#scale > 1000) {
      this.#rate = Math.max(this.#ceiling / 20, this.rate(now) / 2);
      this.#slowAt = now;
    }
    this.#tat = Math.max(this.#tat, this.#pause + this.#tolerance);
  }

  /** The sustained rate at `now`: grows back by 5% of the ceiling per second from 10 s after a 429. */
  rate(now: number): number {
    const quietSec = ((now - this.#slowAt) * this.#scale - 10_000) / 1000;
    return quietSec > 0 ? Math.min(this.#ceiling, this.#rate + this.#ceiling * 0.05 * quietSec) : this.#rate;
  }
}
