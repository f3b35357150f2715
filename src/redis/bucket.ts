/**
 * The local share a process spends from while Redis is unreachable, and the headroom both it and the
 * `BUCKET` Lua script (scripts.ts) plan with.
 *
 * The shared bucket is GCRA: one number, the theoretical arrival time `tat` of the next request; a
 * request at `now` conforms when `max(tat, now) - now <= tolerance` and moves `tat` on by one interval
 * `1000 / rate`. Why no window of one DashScope second (`W`, ms) ever holds more than `limit` grants:
 * conforming grants i < j satisfy `t_j - t_i >= (j - i) · interval - tolerance`. Inside a half-open
 * window `t_j - t_i < W`, so `n - 1 < (W + tolerance) / interval`. With `tolerance = limit ·
 * interval_ceiling - W` and `interval >= interval_ceiling`, that is `n < limit + 1`. The rate runs at
 * 90% of the limit (`HEADROOM`): the remaining tenth is the burst that tolerance allows, and room for
 * network jitter.
 *
 * A process cut off from Redis cannot see the others' grants, so a bucket of its own at `rate / n`
 * (n the fleet size it last saw) is not enough: each of n such buckets may burst at the same
 * instant, and n of them starting together right after the shared bucket's last grants put a window
 * over. So the share grants on slots instead: a grid of the fleet's interval laid on Redis's clock
 * (the one clock every process knows), where the process ranked k of n takes slots k, k + n, k + 2n…
 * The fleet's slots interleave into the shared bucket's own cadence, and none comes before the
 * shared bucket's `tat` as last seen: the fleet carries on as if Redis were still there.
 */

/** Sustained rate as a fraction of the limit, like the in-process budget's. */
export const HEADROOM = 0.9;

/** Where this process's slots are: its place in the fleet and the clock the grid is laid on. */
export interface SharePlace {
  /** Fleet members last seen (at least 1). */
  members: number;
  /** This process's place among them, 0 ≤ rank < members. */
  rank: number;
  /** Redis's clock minus this process's monotonic clock, ms. */
  offset: number;
  /** Monotonic ms before which nothing is granted: the shared bucket's `tat` as last seen. */
  notBefore: number;
}

/** A process's slots of the fleet's rate while Redis is away; pause and slowdown on 429. */
export class LocalShare {
  /** The fleet's interval at full rate, real ms. */
  readonly #interval: number;
  readonly #members: number;
  readonly #rank: number;
  readonly #offset: number;
  readonly #scale: number;
  /** Monotonic ms from which the next slot may be taken. */
  #next: number;
  #pause = Number.NEGATIVE_INFINITY;
  #slowAt = Number.NEGATIVE_INFINITY;
  /** Fraction of the full rate after 429s (1: none). */
  #slowed = 1;

  /**
   * `limit`: the fleet's limit per real second; `scale`: how much faster DashScope's clock runs
   * (recovery after a 429 is timed on it).
   */
  constructor(limit: number, place: SharePlace, scale = 1) {
    this.#interval = 1000 / (limit * HEADROOM);
    this.#members = Math.max(1, place.members);
    this.#rank = Math.min(Math.max(0, place.rank), this.#members - 1);
    this.#offset = place.offset;
    this.#scale = scale;
    this.#next = place.notBefore;
  }

  /** 0 when a slot is open at `now` (monotonic ms), else the ms until the next. Takes nothing. */
  wait(now: number): number {
    if (this.#pause > now) return this.#pause - now;
    return Math.max(0, this.#slot(now) - now);
  }

  /** Spends the slot open at `now` (or the next one, when none is). */
  spend(now: number): void {
    const slot = Math.min(this.#slot(now), now);
    this.#next = slot + (this.#members * this.#interval) / this.#rate(now);
  }

  /** Takes a slot at `now` when one is open: 0, else the ms to wait before asking again. */
  take(now: number): number {
    const wait = this.wait(now);
    if (wait === 0) this.spend(now);
    return wait;
  }

  /** A 429: pause for `retryAfterMs`, halve the rate (once per DashScope second at most). */
  throttled(now: number, retryAfterMs: number): void {
    this.#pause = Math.max(this.#pause, now + retryAfterMs);
    if ((now - this.#slowAt) * this.#scale > 1000) {
      this.#slowed = Math.max(1 / 20, this.#rate(now) / 2);
      this.#slowAt = now;
    }
    this.#next = Math.max(this.#next, this.#pause);
  }

  /**
   * The first of this process's slots from `now` on, or the one just passed when it was missed by
   * less than one fleet interval (a timer that fired late keeps its slot, never a second one). Late
   * by more, a grant could land on another process's slot: it waits for its next one instead.
   */
  #slot(now: number): number {
    const period = this.#members * this.#interval;
    const from = Math.max(this.#next, now - Math.min(period / 2, this.#interval));
    // Slot m of this process is at Redis time (m · members + rank) · interval; the 1e-9 keeps a slot
    // that `from` sits on (rounding would otherwise push it one period on).
    const m = Math.ceil(((from + this.#offset) / this.#interval - this.#rank) / this.#members - 1e-9);
    return (m * this.#members + this.#rank) * this.#interval - this.#offset;
  }

  /** Fraction of the full rate at `now`: grows back by 5% per second from 10 s after a 429. */
  #rate(now: number): number {
    const quietSec = ((now - this.#slowAt) * this.#scale - 10_000) / 1000;
    return quietSec > 0 ? Math.min(1, this.#slowed + 0.05 * quietSec) : this.#slowed;
  }
}
