/**
 * The waits of this process, as the fleet sees them: each watched task is registered in Redis with a
 * heartbeat (a crashed process's entries lapse after {@link WATCH_TTL_MS}), and the statuses the
 * leader publishes on the stream reach the waits through here. The `EndDetector` a client of the
 * fleet talks to is built on it (coordinator.ts); the leader's sweep (leader.ts) fills the stream.
 */
import type { TaskSighting } from 'dashscope-liveportrait';
import type { RedisLink } from './link.js';
import { runScript, WATCHES } from './scripts.js';
import { nap } from './time.js';

/** A watch whose process stopped renewing it lapses after this long, ms (real time). */
export const WATCH_TTL_MS = 10_000;
/** Watches are renewed this often, ms (real time). */
const RENEW_MS = 2_000;
/** Ids per script call, so one call never blocks Redis for long. */
const CHUNK = 250;

/** Keys the watches live under. */
export interface WatchKeys {
  /** Sorted set: task id → when its watch lapses (Redis clock, ms). */
  expiry: string;
  /** Sorted set: task id → submit time (epoch ms). */
  submitted: string;
  /** Hash: task id → last status the leader published, `status endedAt`. */
  status: string;
}

/** One watched task of this process and the waits watching it. */
interface Watched {
  submittedAt: number;
  listeners: Set<(sighting: TaskSighting) => void>;
  /** Last status delivered, to deliver each change once however often it is published. */
  status: string | undefined;
}

/** The watches of one process, shared by every client connected to its coordinator. */
export class WatchRegistry {
  readonly #link: RedisLink;
  readonly #keys: WatchKeys;
  readonly #watched = new Map<string, Watched>();
  readonly #closer = new AbortController();
  readonly #changeListeners = new Set<() => void>();

  constructor(link: RedisLink, keys: WatchKeys) {
    this.#link = link;
    this.#keys = keys;
    // Back from an outage (a restarted Redis may have lost them all): register at once, so the
    // leader's next sweep covers this process instead of the one after the next renewal.
    link.onChange((up) => {
      if (up) void this.#registerAll();
    });
    void this.#renewLoop();
  }

  /** Tasks watched here now. */
  get size(): number {
    return this.#watched.size;
  }

  /** Task ids watched here now, with their submit times. */
  entries(): IterableIterator<[string, { submittedAt: number }]> {
    return this.#watched.entries();
  }

  /** Calls `listener` whenever a task id starts or stops being watched here. */
  onChange(listener: () => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  watch(taskId: string, submittedAt: number, onSighting: (sighting: TaskSighting) => void): () => void {
    let watched = this.#watched.get(taskId);
    if (!watched) {
      watched = { submittedAt, listeners: new Set(), status: undefined };
      this.#watched.set(taskId, watched);
      void this.#register([taskId]);
      for (const listener of this.#changeListeners) listener();
    }
    // A listener of its own per call: two waits on one task each get every sighting.
    const listener = (sighting: TaskSighting) => onSighting(sighting);
    watched.listeners.add(listener);
    const entry = watched;
    return () => {
      if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
      if (this.#watched.get(taskId) !== entry) return;
      this.#watched.delete(taskId);
      void this.#link.run((c) =>
        runScript(c, WATCHES, [this.#keys.expiry, this.#keys.submitted], ['unwatch', WATCH_TTL_MS, taskId]),
      );
      for (const listener of this.#changeListeners) listener();
    };
  }

  /** A status for `taskId`, from the stream or the local fallback sweep; delivered once per change. */
  sighted(sighting: TaskSighting): void {
    const watched = this.#watched.get(sighting.taskId);
    if (!watched || watched.status === sighting.status) return;
    watched.status = sighting.status;
    for (const listener of [...watched.listeners]) listener(sighting);
  }

  async close(): Promise<void> {
    this.#closer.abort();
    const ids = [...this.#watched.keys()];
    this.#watched.clear();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      await this.#link.run((c) =>
        runScript(c, WATCHES, [this.#keys.expiry, this.#keys.submitted], ['unwatch', WATCH_TTL_MS, ...chunk]),
      );
    }
  }

  /** Registers `ids` with the fleet, and delivers what the leader already published for them. */
  async #register(ids: string[]): Promise<void> {
    const pairs: (string | number)[] = [];
    for (const id of ids) {
      const watched = this.#watched.get(id);
      if (watched) pairs.push(id, watched.submittedAt);
    }
    if (pairs.length === 0) return;
    const known = await this.#link.run(async (c) => {
      await runScript(
        c,
        WATCHES,
        [this.#keys.expiry, this.#keys.submitted],
        ['watch', WATCH_TTL_MS, ...pairs],
      );
      // A wait that starts after its task's end was published (a job resumed on another worker)
      // would otherwise hear nothing until its backstop poll.
      return ids.length === 1 ? [await c.hget(this.#keys.status, ids[0] as string)] : undefined;
    });
    const status = known?.[0];
    if (status) this.sighted(parseStatus(ids[0] as string, status));
  }

  async #renewLoop(): Promise<void> {
    const stop = this.#closer.signal;
    while (!stop.aborted) {
      await nap(RENEW_MS, stop, false).catch(() => undefined);
      if (stop.aborted) break;
      await this.#registerAll();
    }
  }

  async #registerAll(): Promise<void> {
    const ids = [...this.#watched.keys()];
    for (let i = 0; i < ids.length; i += CHUNK) await this.#register(ids.slice(i, i + CHUNK));
  }
}

/** A status as stored in the status hash and on the stream: `status` or `status endedAt`. */
export function formatStatus(sighting: TaskSighting): string {
  return sighting.endedAt === undefined ? sighting.status : `${sighting.status} ${sighting.endedAt}`;
}

export function parseStatus(taskId: string, text: string): TaskSighting {
  const [status, endedAt] = text.split(' ');
  return {
    taskId,
    status: status as TaskSighting['status'],
    endedAt: endedAt === undefined ? undefined : Number(endedAt),
  };
}
