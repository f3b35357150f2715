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
  #size = 1;

  constructor(link: RedisLink, key: string, id: string) {
    this.#link = link;
    this.#key = key;
    this.#id = id;
    void this.#loop();
  }

  /** Live members, this one included; the last count seen while Redis is away. At least 1. */
  get size(): number {
    return this.#size;
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
    const count = await this.#link.run((c) =>
      runScript(c, MEMBERS, [this.#key], [this.#id, MEMBER_TTL_MS, op]),
    );
    if (typeof count === 'number' && op === 'join') this.#size = Math.max(1, count);
  }
}
