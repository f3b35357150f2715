/**
 * `maxConcurrentJobs` for the whole fleet (the `JobLimiter` port): slots live in a Redis sorted set
 * scored by expiry, and their holders renew them, so a crashed process's slots lapse within
 * {@link SLOT_TTL_MS}. Waiters of one process queue here and only the head asks Redis. While Redis is
 * away a process may hold its share of the limit (the limit divided by the fleet size last seen).
 */
import type { JobLimiter } from 'dashscope-liveportrait';
import type { FleetView } from './budget.js';
import { WaitLine } from './line.js';
import type { RedisLink } from './link.js';
import { runScript, SLOTS } from './scripts.js';
import { nap } from './time.js';

/** A slot whose holder stopped renewing it lapses after this long, ms (real time). */
export const SLOT_TTL_MS = 15_000;
/** Holders renew their slots this often, ms (real time). */
const RENEW_MS = 3_000;
/** A waiter asks again this often when the fleet is full (another process may have freed one), ms. */
const RETRY_MS = 250;

/** Fleet-wide job slots. */
export class RedisJobLimiter implements JobLimiter {
  readonly #link: RedisLink;
  readonly #key: string;
  readonly #limit: number;
  readonly #owner: string;
  readonly #fleet: FleetView;
  readonly #closer = new AbortController();
  readonly #line = new WaitLine<() => void>();
  readonly #held = new Set<string>();
  #wake: AbortController | undefined;
  #pumping = false;
  #count = 0;

  constructor(options: {
    link: RedisLink;
    key: string;
    limit: number;
    owner: string;
    fleet: FleetView;
  }) {
    this.#link = options.link;
    this.#key = options.key;
    this.#limit = options.limit;
    this.#owner = options.owner;
    this.#fleet = options.fleet;
    void this.#renewLoop();
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#closer.signal.aborted) return Promise.reject(this.#closer.signal.reason);
    const acquired = this.#line.join(signal);
    if (!this.#pumping) void this.#pump();
    return acquired;
  }

  /** Releases every slot this process holds (best effort) and rejects the waiters. */
  async close(reason: unknown): Promise<void> {
    this.#closer.abort(reason);
    this.#wake?.abort();
    this.#line.failAll(reason);
    const ids = [...this.#held];
    this.#held.clear();
    if (ids.length > 0)
      await this.#link.run((c) => runScript(c, SLOTS, [this.#key], ['release', 0, SLOT_TTL_MS, ...ids]));
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#line.length > 0 && !this.#closer.signal.aborted) {
        const id = `${this.#owner}:${this.#count++}`;
        if (await this.#tryAcquire(id)) {
          // Everyone may have left during the call: then the slot goes back at once.
          if (!this.#line.serve(this.#releaser(id))) this.#release(id);
          continue;
        }
        this.#wake = new AbortController();
        await nap(RETRY_MS, this.#wake.signal, true).catch(() => undefined);
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #tryAcquire(id: string): Promise<boolean> {
    const reply = await this.#link.run((c) =>
      runScript(c, SLOTS, [this.#key], ['acquire', this.#limit, SLOT_TTL_MS, id]),
    );
    const granted =
      reply === undefined
        ? this.#held.size < Math.max(1, Math.floor(this.#limit / this.#fleet.size))
        : reply === 1;
    if (granted) this.#held.add(id);
    return granted;
  }

  #releaser(id: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release(id);
    };
  }

  #release(id: string): void {
    this.#held.delete(id);
    void this.#link.run((c) => runScript(c, SLOTS, [this.#key], ['release', 0, SLOT_TTL_MS, id]));
    // A slot of this process is free: its head need not wait for the next retry.
    this.#wake?.abort();
  }

  /** Keeps this process's slots alive, and puts back any that lapsed while it was paused or cut off. */
  async #renewLoop(): Promise<void> {
    const stop = this.#closer.signal;
    while (!stop.aborted) {
      await nap(RENEW_MS, stop, false).catch(() => undefined);
      const ids = [...this.#held];
      if (ids.length > 0 && !stop.aborted) {
        await this.#link.run((c) =>
          runScript(c, SLOTS, [this.#key], ['renew', this.#limit, SLOT_TTL_MS, ...ids]),
        );
      }
    }
  }
}
