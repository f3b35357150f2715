/**
 * Who is in the fleet: each coordinator heartbeats its id into a sorted set scored by expiry, and
 * learns how many members are alive. The count is what a process divides the account's rate by when
 * it plans its polls, and what its local share is while Redis is away ("recently seen fleet size").
 */
import type { RedisLink } from './link.js';
import { MEMBERS, runScript } from './scripts.js';
import { nap } from './time.js';

/** A member missing heartbeats this long has left, ms (real time). */
export const MEMBER_TTL_MS = 5_000;
/** Heartbeat period, ms (real time). */
export const HEARTBEAT_MS = 1_000;

/** This process's membership and the last fleet size it saw. */
export class FleetMembership {
  readonly #link: RedisLink;
  readonly #key: string;
  readonly #id: string;
  readonly #stop = new AbortController();
  readonly #backstopKey: string;
  #size = 1;
  #rank = 0;
  #backstopMs = 0;

  constructor(link: RedisLink, keys: { members: string; backstop: string }, id: string) {
    this.#link = link;
    this.#key = keys.members;
    this.#backstopKey = keys.backstop;
    this.#id = id;
    void this.#loop();
  }

  /** Live members, this one included; the last count seen while Redis is away. At least 1. */
  get size(): number {
    return this.#size;
  }

  /** This process's place among the live members sorted by id (0 ≤ rank < size), as last seen. */
  get rank(): number {
    return this.#rank;
  }

  /**
   * How long a watched wait may go without its own poll while the leader sweeps for it, ms, as the
   * leader last noted it (the note lapses when the leader does); 0 when no leader sweeps.
   */
  get backstopMs(): number {
    return this.#link.up ? this.#backstopMs : 0;
  }

  /** Leaves the fleet (best effort) and stops the heartbeat. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#beat('leave');
  }

  async #loop(): Promise<void> {
    await this.#link.settled();
    while (!this.#stop.signal.aborted) {
      await this.#beat('join');
      await nap(HEARTBEAT_MS, this.#stop.signal, false).catch(() => undefined);
    }
  }

  async #beat(op: 'join' | 'leave'): Promise<void> {
    const reply = await this.#link.run((c) =>
      runScript(c, MEMBERS, [this.#key, this.#backstopKey], [this.#id, MEMBER_TTL_MS, op]),
    );
    // Away from Redis, the leader's note is unknown: a stale one must not outlive the outage.
    if (!Array.isArray(reply)) this.#backstopMs = 0;
    if (!Array.isArray(reply) || op !== 'join') return;
    const [count, backstopMs, rank] = reply as number[];
    this.#size = Math.max(1, count ?? 1);
    this.#rank = Math.min(this.#size - 1, rank ?? 0);
    this.#backstopMs = backstopMs ?? 0;
  }
}
