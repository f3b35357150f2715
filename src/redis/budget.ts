/**
 * The account budget on Redis (the `AccountBudget` port). Each kind of request (task queries,
 * submits) has one lane per process: its takers wait in line, and only the head asks Redis's bucket,
 * so a process holding a thousand waits sends one script call per grant, not a thousand. When Redis
 * is unreachable the lane spends from a local bucket at the process's share of the rate (the rate
 * divided by the fleet size last seen); what it sent meanwhile is charged to the shared bucket when
 * Redis returns. Everything here runs in real time, like Redis's clock; only rates and Retry-After
 * are converted when DashScope's clock runs faster (the benchmark's `scale`).
 */
import type { AccountBudget, RequestKind } from 'dashscope-liveportrait';
import { HEADROOM, LocalBucket } from './bucket.js';
import { WaitLine } from './line.js';
import type { RedisLink } from './link.js';
import { BUCKET, runScript } from './scripts.js';
import { monotonicNow, nap } from './time.js';

/** Longest a lane sleeps before asking again, ms: a wait Redis announced may end sooner (fleet resized). */
const MAX_NAP_MS = 1_000;

/** What a lane needs to know about the fleet. */
export interface FleetView {
  /** Live members, at least 1. */
  readonly size: number;
}

/** One kind's bucket, shared in Redis, with its local fallback. */
class Lane {
  readonly #link: RedisLink;
  readonly #key: string;
  readonly #fleet: FleetView;
  /** Requests per real second: the limit times how much faster than real time DashScope's clock runs. */
  readonly #realLimit: number;
  readonly #scale: number;
  readonly #closed: AbortSignal;
  readonly #line = new WaitLine<void>();
  #pumping = false;
  /** Sustained fleet rate Redis last reported, per second of DashScope's clock. */
  #rate: number;
  #local: LocalBucket;
  #localShare = 1;
  /** Until when a 429 seen by this process pauses it (monotonic ms). */
  #pausedUntil = Number.NEGATIVE_INFINITY;
  /** When this process sent on its local share (monotonic ms), to charge Redis when it returns. */
  #sentAlone: number[] = [];

  constructor(options: {
    link: RedisLink;
    key: string;
    limit: number;
    fleet: FleetView;
    scale: number;
    closed: AbortSignal;
  }) {
    this.#link = options.link;
    this.#key = options.key;
    this.#fleet = options.fleet;
    this.#scale = options.scale;
    this.#realLimit = options.limit * options.scale;
    this.#closed = options.closed;
    this.#rate = options.limit * HEADROOM;
    this.#local = new LocalBucket(this.#realLimit, this.#scale);
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
    this.#local.throttled(now, realMs);
    void this.#link
      .run((c) => runScript(c, BUCKET, [this.#key], this.#args('throttle', realMs)))
      .then((reply) => this.#noteRate(reply));
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
    await this.#chargeSentAlone();
    const reply = await this.#link.run((c) => runScript(c, BUCKET, [this.#key], this.#args('take', 0)));
    if (Array.isArray(reply)) {
      this.#noteRate(reply);
      const [granted, waitMicros] = reply as number[];
      return granted === 1 ? 0 : (waitMicros ?? 0) / 1000;
    }
    return this.#takeAlone(now);
  }

  /** The fleet's rate from a bucket reply (its fourth field, per real second × 1000). */
  #noteRate(reply: unknown): void {
    if (Array.isArray(reply)) this.#rate = Number(reply[3] ?? 0) / 1000 / this.#scale;
  }

  #takeAlone(now: number): number {
    const share = this.#fleet.size;
    if (share !== this.#localShare) {
      this.#localShare = share;
      this.#local = new LocalBucket(this.#realLimit / share, this.#scale);
    }
    const wait = this.#local.take(now);
    if (wait === 0) {
      this.#sentAlone.push(now);
      if (this.#sentAlone.length > this.#realLimit * 2) this.#sentAlone.shift();
    }
    return wait;
  }

  /** What this process sent alone in the last second still counts in the fleet's windows. */
  async #chargeSentAlone(): Promise<void> {
    if (this.#sentAlone.length === 0) return;
    const since = monotonicNow() - 1000;
    const recent = this.#sentAlone.filter((at) => at > since).length;
    this.#sentAlone = [];
    if (recent > 0)
      await this.#link.run((c) => runScript(c, BUCKET, [this.#key], this.#args('charge', recent)));
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

  constructor(options: {
    link: RedisLink;
    keyPrefix: string;
    queriesPerSecond: number;
    submitsPerSecond: number | undefined;
    fleet: FleetView;
    /** How much faster than real time DashScope's clock runs: 1, except in the fleet benchmark. */
    scale: number;
  }) {
    const { link, keyPrefix, fleet, scale } = options;
    const closed = this.#closer.signal;
    this.#fleet = fleet;
    const lane = (kind: RequestKind, limit: number) =>
      new Lane({ link, key: `${keyPrefix}bucket:${kind}`, limit, fleet, scale, closed });
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

  /** The whole fleet's query rate: what the one process sweeping for all of them plans with. */
  fleetQueryRate(): number {
    return this.#query.rate;
  }

  /** Stops every lane; takers still in line are rejected. */
  close(reason: unknown): void {
    this.#closer.abort(reason);
  }
}
