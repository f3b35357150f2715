/**
 * The client's share of DashScope's per-account query limit (20 task queries per second for all keys
 * and processes of an account together), as a token bucket that shrinks when DashScope says 429
 * `Throttling` and grows back slowly afterwards. Pure arithmetic on an injected clock.
 */

/** Fraction of the configured budget actually spent: room for latency jitter between us and the server. */
export const BUDGET_HEADROOM = 0.9;

/** How long after the last 429 before the rate starts growing back, ms. */
const RECOVERY_DELAY_MS = 10_000;

/** Growth per second once recovering, as a fraction of the configured rate (back to full in ~20 s). */
const RECOVERY_PER_SECOND = 0.05;

/** Options of {@link AdaptiveBudget}. */
export interface BudgetOptions {
  /** Queries per second this client may send; `Infinity` disables the budget. */
  perSecond: number;
  /** Monotonic clock, ms. */
  now: () => number;
}

/** A token bucket with multiplicative decrease on throttling and additive recovery. */
export class AdaptiveBudget {
  readonly #ceiling: number;
  readonly #burst: number;
  readonly #now: () => number;
  #rate: number;
  #tokens: number;
  #updatedAt: number;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #throttledAt = Number.NEGATIVE_INFINITY;

  constructor(options: BudgetOptions) {
    if (!(options.perSecond > 0)) throw new RangeError(`pollBudget must be > 0, got ${options.perSecond}`);
    this.#now = options.now;
    this.#ceiling = options.perSecond * BUDGET_HEADROOM;
    this.#rate = this.#ceiling;
    // The burst fills the headroom: rate + burst never exceeds the budget in any one second, so the
    // limit holds whether DashScope counts with a token bucket or a sliding one-second window.
    this.#burst = Number.isFinite(options.perSecond)
      ? Math.max(1, Math.floor(options.perSecond - this.#ceiling))
      : 1;
    this.#tokens = this.#burst;
    this.#updatedAt = this.#now();
  }

  /** The current sustained rate, queries per second. */
  get rate(): number {
    return this.#rate;
  }

  /** Takes a token if one is available now. */
  take(): boolean {
    if (!Number.isFinite(this.#rate)) return true;
    this.#refill();
    if (this.#now() < this.#pausedUntil || this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Counts a query sent outside the scheduler (a user's `getTask`), so polls leave room for it. */
  debit(): void {
    if (!Number.isFinite(this.#rate)) return;
    this.#refill();
    this.#tokens = Math.max(-this.#burst, this.#tokens - 1);
  }

  /** Milliseconds until {@link take} can succeed (0 when it can now). */
  nextTokenIn(): number {
    if (!Number.isFinite(this.#rate)) return 0;
    this.#refill();
    const now = this.#now();
    const pause = Math.max(0, this.#pausedUntil - now);
    const refill = this.#tokens >= 1 ? 0 : ((1 - this.#tokens) / this.#rate) * 1000;
    return Math.max(pause, Math.ceil(refill));
  }

  /** DashScope answered 429 `Throttling`: halve the rate, and send nothing until `retryAfterMs` passes. */
  throttled(retryAfterMs: number | undefined): void {
    if (!Number.isFinite(this.#rate)) return;
    this.#refill();
    const now = this.#now();
    // Many polls in flight fail together from one overload: shrink once per burst, not once per answer.
    if (now - this.#throttledAt > 1000) this.#rate = Math.max(this.#ceiling / 20, this.#rate / 2);
    this.#throttledAt = now;
    this.#tokens = Math.min(this.#tokens, 0);
    this.#pausedUntil = Math.max(this.#pausedUntil, now + (retryAfterMs ?? 1000));
  }

  #refill(): void {
    const now = this.#now();
    const elapsedSec = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    const recoveringSec = (now - this.#throttledAt - RECOVERY_DELAY_MS) / 1000;
    if (this.#rate < this.#ceiling && recoveringSec > 0) {
      const growth = this.#ceiling * RECOVERY_PER_SECOND * Math.min(elapsedSec, recoveringSec);
      this.#rate = Math.min(this.#ceiling, this.#rate + growth);
    }
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsedSec * this.#rate);
  }
}
