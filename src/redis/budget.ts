/**
 * The account budget on Redis (the `AccountBudget` port). Each kind of request (task queries,
 * submits) has one lane per process: its takers wait in line, and only the head asks Redis's bucket,
 * so a process holding a thousand waits sends one script call per grant, not a thousand. When Redis
 * is unreachable the lane spends from a local bucket at the process's share of the rate (the rate
 * divided by the fleet size last seen); what it sent meanwhile is charged to the shared bucket when
 * Redis returns.
 */
import type { AccountBudget, RequestKind } from '../polling/ports.js';
import { HEADROOM, LocalBucket } from './bucket.js';
import type { RedisLink } from './link.js';
import { BUCKET, runScript } from './scripts.js';
import type { FleetTime } from './time.js';

/** Longest a lane sleeps before asking again, ms: a wait Redis announced may end sooner (fleet resized). */
const MAX_NAP_MS = 1_000;

/** What a lane needs to know about the fleet. */
export interface FleetView {
  /** Live members, at least 1. */
  readonly size: number;
}

/** One waiting taker. */
interface Taker {
  grant(): void;
  fail(reason: unknown): void;
}

/** One kind's bucket, shared in Redis, with its local fallback. */
class Lane {
  readonly #link: RedisLink;
  readonly #key: string;
  readonly #limit: number;
  readonly #fleet: FleetView;
  readonly #time: FleetTime;
  readonly #closed: AbortSignal;
  readonly #queue: Taker[] = [];
  #pumping = false;
  /** Sustained fleet rate Redis last reported, per second. */
  #rate: number;
  #local: LocalBucket;
  #localShare = 1;
  /** Until when a 429 seen by this process pauses it (monotonic ms). */
  #pausedUntil = Number.NEGATIVE_INFINITY;
  /** When this process sent on its local share (monotonic ms), to charge Redis when it returns. */
  #sentAlone: number[] = [];

  constructor(
    link: RedisLink,
    key: string,
    limit: number,
    fleet: FleetView,
    time: FleetTime,
    closed: AbortSignal,
  ) {
    this.#link = link;
    this.#key = key;
    this.#limit = limit;
    this.#fleet = fleet;
    this.#time = time;
    this.#closed = closed;
    this.#rate = limit * HEADROOM;
    this.#local = new LocalBucket(limit);
  }

  /** Sustained rate of the whole fleet now, per second. */
  get rate(): number {
    return this.#rate;
  }

  take(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed.aborted) return Promise.reject(this.#closed.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(taker);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      const taker: Taker = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(taker);
      if (!this.#pumping) void this.#pump();
    });
  }

  throttled(retryAfterMs: number): void {
    const now = this.#time.now();
    this.#pausedUntil = Math.max(this.#pausedUntil, now + retryAfterMs);
    this.#local.throttled(now, retryAfterMs);
    void this.#link.run((c) =>
      runScript(c, BUCKET, [this.#key], this.#args('throttle', retryAfterMs / this.#time.scale)),
    );
  }

  /** Grants to the head of the line, one at a time, until the line is empty. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#closed.aborted) {
        const wait = await this.#ask();
        if (wait <= 0) {
          // The head may have aborted during the call: the grant goes to whoever is first now.
          this.#queue.shift()?.grant();
          continue;
        }
        await this.#time.sleep(Math.min(wait, MAX_NAP_MS), this.#closed).catch(() => undefined);
      }
    } finally {
      this.#pumping = false;
      if (this.#closed.aborted) for (const taker of this.#queue.splice(0)) taker.fail(this.#closed.reason);
    }
  }

  /** One grant attempt: 0 when granted, else ms to wait. Redis when reachable, else the local share. */
  async #ask(): Promise<number> {
    const now = this.#time.now();
    // A 429 this process saw pauses it at once, before Redis has passed it on to the rest.
    if (this.#pausedUntil > now) return this.#pausedUntil - now;
    await this.#chargeSentAlone();
    const reply = await this.#link.run((c) => runScript(c, BUCKET, [this.#key], this.#args('take', 0)));
    if (Array.isArray(reply)) {
      const [granted, waitMicros, , rateMilli] = reply as number[];
      this.#rate = (rateMilli ?? 0) / 1000 / this.#time.scale;
      return granted === 1 ? 0 : ((waitMicros ?? 0) / 1000) * this.#time.scale;
    }
    return this.#takeAlone(now);
  }

  #takeAlone(now: number): number {
    const share = this.#fleet.size;
    if (share !== this.#localShare) {
      this.#localShare = share;
      this.#local = new LocalBucket(this.#limit / share);
    }
    const wait = this.#local.take(now);
    if (wait === 0) {
      this.#sentAlone.push(now);
      if (this.#sentAlone.length > this.#limit * 2) this.#sentAlone.shift();
    }
    return wait;
  }

  /** What this process sent alone in the last second still counts in the fleet's windows. */
  async #chargeSentAlone(): Promise<void> {
    if (this.#sentAlone.length === 0) return;
    const since = this.#time.now() - 1000;
    const recent = this.#sentAlone.filter((at) => at > since).length;
    this.#sentAlone = [];
    if (recent > 0)
      await this.#link.run((c) => runScript(c, BUCKET, [this.#key], this.#args('charge', recent)));
  }

  #args(op: string, arg: number): (string | number)[] {
    const scale = this.#time.scale;
    return [op, this.#limit * HEADROOM * scale, this.#limit * scale, arg];
  }
}

/** The `AccountBudget` of one coordinator (one process), shared by every client connected to it. */
export class RedisBudget implements AccountBudget {
  readonly #query: Lane;
  readonly #submit: Lane | undefined;
  readonly #fleet: FleetView;
  readonly #closer = new AbortController();

  constructor(options: {
    link: RedisLink;
    keyPrefix: string;
    queriesPerSecond: number;
    submitsPerSecond: number | undefined;
    fleet: FleetView;
    time: FleetTime;
  }) {
    const { link, keyPrefix, fleet, time } = options;
    const closed = this.#closer.signal;
    this.#fleet = fleet;
    this.#query = new Lane(link, `${keyPrefix}bucket:query`, options.queriesPerSecond, fleet, time, closed);
    this.#submit =
      options.submitsPerSecond === undefined
        ? undefined
        : new Lane(link, `${keyPrefix}bucket:submit`, options.submitsPerSecond, fleet, time, closed);
  }

  take(kind: RequestKind, signal?: AbortSignal): Promise<void> {
    const lane = kind === 'query' ? this.#query : this.#submit;
    if (lane) return lane.take(signal);
    return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  }

  throttled(kind: RequestKind, retryAfterMs: number | undefined): void {
    (kind === 'query' ? this.#query : this.#submit)?.throttled(retryAfterMs ?? 1000);
  }

  /** This process's share of the fleet's query rate. */
  queryRate(): number {
    return this.#query.rate / this.#fleet.size;
  }

  /** The whole fleet's query rate: what the one process sweeping for all of them plans with. */
  fleetQueryRate(): number {
    return this.#query.rate;
  }

  /** Stops every lane; takers still in line are rejected. */
  close(reason: unknown): void {
    this.#closer.abort(reason);
  }
}
