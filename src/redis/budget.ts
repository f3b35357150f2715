/**
 * The account budget on Redis (the `AccountBudget` port). Each kind of request (task queries,
 * submits) has one lane per process: its takers wait in line, and only the head asks Redis's bucket,
 * so a process holding a thousand waits sends one script call per grant, not a thousand. When Redis
 * is unreachable the lane spends from its local share (bucket.ts: its slots of the fleet's rate,
 * staggered with the other processes', starting where the shared bucket left off); what it sent
 * meanwhile is charged to the shared bucket when Redis returns, and for a while after that it stays
 * within its share too, since the others may not be back yet. Everything here runs in real time,
 * like Redis's clock; only rates and Retry-After are converted when DashScope's clock runs faster
 * (the benchmark's `scale`).
 */
import type { AccountBudget, RequestKind } from 'dashscope-liveportrait';
import { HEADROOM, LocalShare } from './bucket.js';
import { WaitLine } from './line.js';
import type { RedisLink } from './link.js';
import { BUCKET, QUEUE, runScript } from './scripts.js';
import { monotonicNow, nap } from './time.js';

/** Longest a lane sleeps before asking again, ms: a wait Redis announced may end sooner (fleet resized). */
const MAX_NAP_MS = 1_000;
/**
 * After Redis returns, a lane stays within its local share this long too, ms (real time): the other
 * processes reconnect at their own pace (ioredis retries at most a second apart) and spend their
 * shares until then, so the shared bucket alone would let the fleet send up to twice the rate.
 */
export const SETTLE_MS = 2_000;
/** A lane's word on its line length counts this long, ms: a busy lane asks at least every MAX_NAP_MS. */
const LINE_WORD_MS = 2 * MAX_NAP_MS;

/** What a lane needs to know about the fleet. */
export interface FleetView {
  /** Live members, at least 1. */
  readonly size: number;
  /** This process's place among them (sorted by id), 0 ≤ rank < size. */
  readonly rank: number;
}

/** Where a lane keeps its state in Redis. */
interface LaneKeys {
  bucket: string;
  /** Each lane's line length at its last ask. */
  lines: string;
}

/** One kind's bucket, shared in Redis, with its local fallback. */
class Lane {
  readonly #link: RedisLink;
  readonly #keys: LaneKeys;
  readonly #member: string;
  readonly #fleet: FleetView;
  /** Requests per real second: the limit times how much faster than real time DashScope's clock runs. */
  readonly #realLimit: number;
  readonly #scale: number;
  readonly #closed: AbortSignal;
  readonly #line = new WaitLine<void>();
  #pumping = false;
  /** Sustained fleet rate Redis last reported, per second of DashScope's clock. */
  #rate: number;
  /** Redis's clock minus the monotonic one, ms; the wall clock's until Redis first answers. */
  #offset = Date.now() - monotonicNow();
  /** Monotonic ms of the shared bucket's `tat` as last seen: where a local share starts. */
  #sharedTat = Number.NEGATIVE_INFINITY;
  /** The local share: set from the first take Redis could not serve until {@link SETTLE_MS} after it returned. */
  #share: LocalShare | undefined;
  /** When Redis answered again after the outage that made {@link #share} (monotonic ms). */
  #backAt: number | undefined;
  /** Until when a 429 seen by this process pauses it (monotonic ms). */
  #pausedUntil = Number.NEGATIVE_INFINITY;
  /** When this process sent on its local share (monotonic ms), to charge Redis when it returns. */
  #sentAlone: number[] = [];

  constructor(options: {
    link: RedisLink;
    keys: LaneKeys;
    member: string;
    limit: number;
    fleet: FleetView;
    scale: number;
    closed: AbortSignal;
  }) {
    this.#link = options.link;
    this.#keys = options.keys;
    this.#member = options.member;
    this.#fleet = options.fleet;
    this.#scale = options.scale;
    this.#realLimit = options.limit * options.scale;
    this.#closed = options.closed;
    this.#rate = options.limit * HEADROOM;
  }

  /** Sustained rate of the whole fleet now, per second of DashScope's clock. */
  get rate(): number {
    return this.#rate;
  }

  take(signal: AbortSignal | undefined): Promise<void> {
    if (this.#closed.aborted) return Promise.reject(this.#closed.reason);
    const taken = this.#line.join(signal);
    if (!this.#pumping) void this.#pump();
    return taken;
  }

  /** `retryAfterMs` on DashScope's clock. */
  throttled(retryAfterMs: number): void {
    const now = monotonicNow();
    const realMs = retryAfterMs / this.#scale;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + realMs);
    this.#share?.throttled(now, realMs);
    void this.#link
      .run((c) => runScript(c, BUCKET, [this.#keys.bucket], this.#args('throttle', realMs)))
      .then((reply) => this.#noteReply(reply));
  }

  /**
   * Grants counted by the shared bucket, and requests waiting in the fleet's lines at their last
   * word; undefined while Redis is away.
   */
  async queue(): Promise<{ served: number; waiting: number } | undefined> {
    const reply = await this.#link.run((c) =>
      runScript(c, QUEUE, [this.#keys.bucket, this.#keys.lines], [LINE_WORD_MS]),
    );
    if (!Array.isArray(reply)) return undefined;
    const [served, waiting] = reply as number[];
    return { served: served ?? 0, waiting: waiting ?? 0 };
  }

  /** Grants to the head of the line, one at a time, until the line is empty. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#line.length > 0 && !this.#closed.aborted) {
        const wait = await this.#ask();
        // The head may have left during the call: the grant goes to whoever is first now.
        if (wait <= 0) this.#line.serve();
        else await nap(Math.min(wait, MAX_NAP_MS), this.#closed, true).catch(() => undefined);
      }
    } finally {
      this.#pumping = false;
      if (this.#closed.aborted) this.#line.failAll(this.#closed.reason);
    }
  }

  /** One grant attempt: 0 when granted, else real ms to wait. Redis when reachable, else the local share. */
  async #ask(): Promise<number> {
    const now = monotonicNow();
    // A 429 this process saw pauses it at once, before Redis has passed it on to the rest.
    if (this.#pausedUntil > now) return this.#pausedUntil - now;
    if (this.#backAt !== undefined && now - this.#backAt >= SETTLE_MS) {
      this.#share = undefined;
      this.#backAt = undefined;
    }
    // Just back from an outage: a grant needs a slot of the local share as well as Redis's word.
    const settling = this.#share?.wait(now);
    if (settling !== undefined && settling > 0 && this.#link.up) return settling;
    if (this.#link.up) await this.#chargeSentAlone();
    const reply = await this.#link.run((c) =>
      runScript(
        c,
        BUCKET,
        [this.#keys.bucket, this.#keys.lines],
        [...this.#args('take', 0), this.#member, this.#line.length],
      ),
    );
    if (!Array.isArray(reply)) return this.#takeAlone(now);
    this.#noteReply(reply);
    const [granted, waitMicros] = reply as number[];
    if (this.#share && this.#backAt === undefined) this.#backAt = monotonicNow();
    if (granted !== 1) return (waitMicros ?? 0) / 1000;
    this.#share?.spend(monotonicNow());
    return 0;
  }

  /** What a bucket reply tells: the fleet's rate, Redis's clock, and where the shared bucket stands. */
  #noteReply(reply: unknown): void {
    if (!Array.isArray(reply)) return;
    const at = monotonicNow();
    const [, , nowMicros, rate, tatMicros] = reply.map(Number) as number[];
    this.#rate = (rate ?? 0) / 1000 / this.#scale;
    this.#offset = (nowMicros ?? 0) / 1000 - at;
    this.#sharedTat = at + ((tatMicros ?? 0) - (nowMicros ?? 0)) / 1000;
  }

  #takeAlone(now: number): number {
    this.#backAt = undefined;
    this.#share ??= new LocalShare(
      this.#realLimit,
      {
        members: this.#fleet.size,
        rank: this.#fleet.rank,
        offset: this.#offset,
        notBefore: this.#sharedTat,
      },
      this.#scale,
    );
    const wait = this.#share.take(now);
    if (wait === 0) {
      this.#sentAlone.push(now);
      if (this.#sentAlone.length > this.#realLimit * 2) this.#sentAlone.shift();
    }
    return wait;
  }

  /**
   * What this process sent alone within the last DashScope second still counts in the fleet's
   * windows: charged to the shared bucket before its first grant after the outage.
   */
  async #chargeSentAlone(): Promise<void> {
    if (this.#sentAlone.length === 0) return;
    const since = monotonicNow() - 1000 / this.#scale;
    const recent = this.#sentAlone.filter((at) => at > since).length;
    if (recent > 0) {
      const reply = await this.#link.run((c) =>
        runScript(c, BUCKET, [this.#keys.bucket], this.#args('charge', recent)),
      );
      // Still away: keep them for the next attempt.
      if (!Array.isArray(reply)) return;
      this.#noteReply(reply);
    }
    this.#sentAlone = [];
  }

  #args(op: string, arg: number): (string | number)[] {
    return [op, this.#realLimit * HEADROOM, this.#realLimit, arg, this.#scale];
  }
}

/** The `AccountBudget` of one coordinator (one process), shared by every client connected to it. */
export class RedisBudget implements AccountBudget {
  readonly #query: Lane;
  readonly #submit: Lane | undefined;
  readonly #fleet: FleetView;
  readonly #closer = new AbortController();
  readonly #scale: number;

  constructor(options: {
    link: RedisLink;
    keyPrefix: string;
    queriesPerSecond: number;
    submitsPerSecond: number | undefined;
    fleet: FleetView;
    /** This process's id in the fleet. */
    member: string;
    /** How much faster than real time DashScope's clock runs: 1, except in the fleet benchmark. */
    scale: number;
  }) {
    const { link, keyPrefix, fleet, scale, member } = options;
    const closed = this.#closer.signal;
    this.#fleet = fleet;
    this.#scale = scale;
    const lane = (kind: RequestKind, limit: number) => {
      const bucket = `${keyPrefix}bucket:${kind}`;
      const keys = { bucket, lines: `${bucket}:lines` };
      return new Lane({ link, keys, member, limit, fleet, scale, closed });
    };
    this.#query = lane('query', options.queriesPerSecond);
    this.#submit =
      options.submitsPerSecond === undefined ? undefined : lane('submit', options.submitsPerSecond);
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

  /**
   * Resolves once the task queries waiting in the fleet's lines now have been granted: the leader's
   * list queries wait for them, as one process's would in its one line (a sweep that skipped ahead
   * of the detail queries its last sweep caused would only find the same ends again, and sweep more
   * often than one process does). At most twice the time those queries should take at the fleet's
   * rate, plus a second; at once when Redis is away or `signal` aborts.
   */
  async afterFleetLine(signal: AbortSignal): Promise<void> {
    const first = await this.#query.queue();
    if (!first || first.waiting === 0) return;
    let ticket = first.served + first.waiting;
    const perMs = (this.#query.rate * this.#scale) / 1000;
    const giveUpAt = monotonicNow() + (2 * first.waiting) / perMs + 1000;
    let served = first.served;
    while (served < ticket && !signal.aborted) {
      const left = giveUpAt - monotonicNow();
      if (left <= 0) return;
      const napMs = Math.min(left, Math.max(10, (ticket - served) / perMs));
      await nap(Math.min(napMs, MAX_NAP_MS), signal, true).catch(() => undefined);
      const now = await this.#query.queue();
      // Away, or a fresh Redis that counts from 0 again: nothing left to wait for.
      if (!now || now.served < served) return;
      served = now.served;
      // Only what waits now can still be ahead (a taker may have left its line unserved).
      ticket = Math.min(ticket, served + now.waiting);
    }
  }

  /** Stops every lane; takers still in line are rejected. */
  close(reason: unknown): void {
    this.#closer.abort(reason);
  }
}
