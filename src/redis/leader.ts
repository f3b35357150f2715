/**
 * One process sweeps the list endpoint for the whole fleet: whoever holds the lease (`SET NX PX`,
 * renewed every second, lapsing after {@link LEASE_TTL_MS}). The leader mirrors the fleet's live
 * watches into a sweeping detector (the in-process one, drawing on the shared budget at the fleet's
 * rate) and publishes what it sees: on the stream for the waits listening now, and in a status hash
 * for waits that start later. When the leader dies, the lease lapses and the next process to ask
 * takes over. A paused leader that wakes after its lease lapsed stops at its next renewal; until then
 * it may sweep once more, which costs budget but never a wrong answer (statuses are facts). The
 * leader also notes how rarely waits need to poll on their own while it sweeps (its backstop), for
 * every process to read.
 */
import type { EndDetector, ListTasks, Logger, TaskSighting } from 'dashscope-liveportrait';
import type { RedisLink } from './link.js';
import { DetectorMirror } from './mirror.js';
import { LEASE, LIVE_WATCHES, runScript } from './scripts.js';
import { publish } from './stream.js';
import { nap } from './time.js';
import { formatStatus, type WatchKeys } from './watches.js';

/** A leader that stops renewing loses the lease after this long, ms (real time). */
export const LEASE_TTL_MS = 5_000;
/** The lease is renewed, or asked for, this often; the leader re-reads the watches as often, ms. */
const RENEW_MS = 1_000;
/**
 * The backstop note lapses this long after the leader's last renewal, ms (real time): past the
 * lease, so waits keep relying on sweeps while the next leader takes over, instead of all polling
 * at once in between; a list endpoint that fails is announced at once (a note of 0).
 */
const BACKSTOP_NOTE_MS = LEASE_TTL_MS + 2_000;
/** The status hash expires this long after its last write, ms. */
const STATUS_TTL_MS = 60 * 60_000;

/**
 * Builds the sweeping detector a leader (or a process cut off from Redis) runs: the in-process one,
 * pacing its sweeps for `queriesPerSecond` (the fleet's rate for a leader, a share for a process
 * alone). Its list queries spend from the shared budget through the client's transport.
 */
export type SweepingDetectorFactory = (ports: {
  listTasks: ListTasks;
  queriesPerSecond: number;
  logger?: Logger | undefined;
}) => EndDetector;

/** Keys of the leader's work. */
export interface LeaderKeys extends WatchKeys {
  lease: string;
  stream: string;
  /** The leader's backstop note: set while it sweeps, lapsing soon after it stops renewing it. */
  backstop: string;
}

/** Runs for the coordinator's life: asks for the lease, and sweeps while it holds it. */
export class FleetLeader {
  readonly #link: RedisLink;
  readonly #keys: LeaderKeys;
  readonly #id: string;
  readonly #detector: SweepingDetectorFactory;
  readonly #queriesPerSecond: number;
  readonly #listTasks: () => ListTasks | undefined;
  readonly #stop = new AbortController();
  readonly #done: Promise<void>;
  #mirror: DetectorMirror | undefined;
  #pending: TaskSighting[] = [];
  #nap: AbortController | undefined;

  constructor(options: {
    link: RedisLink;
    keys: LeaderKeys;
    id: string;
    detector: SweepingDetectorFactory;
    /** The whole fleet's rate: this sweep serves every process. */
    queriesPerSecond: number;
    /** The list endpoint of a client still connected; undefined when none is. */
    listTasks: () => ListTasks | undefined;
  }) {
    this.#link = options.link;
    this.#keys = options.keys;
    this.#id = options.id;
    this.#detector = options.detector;
    this.#queriesPerSecond = options.queriesPerSecond;
    this.#listTasks = options.listTasks;
    this.#done = this.#loop();
  }

  /** Whether this process sweeps for the fleet now. */
  get leading(): boolean {
    return this.#mirror !== undefined;
  }

  /** The own sweep's backstop while this process leads; undefined otherwise. */
  backstopMs(): number | undefined {
    return this.#mirror?.backstopMs();
  }

  /** The watches changed here: re-read them now rather than at the next renewal. */
  poke(): void {
    this.#nap?.abort();
  }

  /** Stops sweeping and gives the lease up so another process takes over at once. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#nap?.abort();
    await this.#done;
  }

  async #loop(): Promise<void> {
    await this.#link.settled();
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      const listTasks = this.#listTasks();
      const held =
        listTasks !== undefined &&
        (await this.#link.run((c) => runScript(c, LEASE, [this.#keys.lease], [this.#id, LEASE_TTL_MS]))) ===
          1;
      if (held && listTasks !== undefined && !stop.aborted) {
        this.#mirror ??= new DetectorMirror(
          this.#detector({ listTasks, queriesPerSecond: this.#queriesPerSecond }),
          (sighting) => this.#publish(sighting),
        );
        await this.#sync(this.#mirror);
      } else {
        await this.#resign();
      }
      this.#nap = new AbortController();
      if (!stop.aborted) await nap(RENEW_MS, this.#nap.signal, false).catch(() => undefined);
    }
    await this.#resign();
    // Hand over at once rather than after the lease lapses.
    await this.#link.run(async (c) => {
      if ((await c.get(this.#keys.lease)) === this.#id) await c.del(this.#keys.lease);
    });
  }

  async #resign(): Promise<void> {
    const mirror = this.#mirror;
    this.#mirror = undefined;
    await mirror?.close();
  }

  /** Mirrors the fleet's live watches; forgets the published statuses of tasks no one watches. */
  async #sync(mirror: DetectorMirror): Promise<void> {
    const { expiry, submitted, status } = this.#keys;
    const flat = await this.#link.run((c) => runScript(c, LIVE_WATCHES, [expiry, submitted], []));
    if (!Array.isArray(flat)) return;
    const live: [string, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) live.push([String(flat[i]), Number(flat[i + 1])]);
    mirror.sync(live);
    // Waits of every process learn from this note how rarely they need to poll on their own.
    const backstopMs = mirror.backstopMs();
    await this.#link.run(async (c) => {
      await c.set(this.#keys.backstop, Math.round(backstopMs), 'PX', BACKSTOP_NOTE_MS);
    });
    const liveIds = new Set(live.map(([taskId]) => taskId));
    await this.#link.run(async (c) => {
      const stale = (await c.hkeys(status)).filter((taskId) => !liveIds.has(taskId));
      if (stale.length > 0) await c.hdel(status, ...stale);
    });
  }

  /** Publishes sightings in batches: every sighting of one sweep in one round trip. */
  #publish(sighting: TaskSighting): void {
    this.#pending.push(sighting);
    if (this.#pending.length > 1) return;
    queueMicrotask(() => {
      const batch = this.#pending;
      this.#pending = [];
      const fields = batch.flatMap((s) => [s.taskId, formatStatus(s)]);
      void this.#link
        .run(async (c) => {
          await c.hset(this.#keys.status, ...fields);
          await c.pexpire(this.#keys.status, STATUS_TTL_MS);
          await publish(c, this.#keys.stream, batch);
          return true;
        })
        // Lost sightings would not be seen again by this sweep: start afresh, from the next renewal.
        .then((sent) => (sent ? undefined : this.#resign()));
    });
  }
}
