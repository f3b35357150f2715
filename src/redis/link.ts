/**
 * The coordinator's connections to Redis and whether Redis is usable right now. Every command goes
 * through {@link RedisLink.run}: it fails at once when the connection is not ready (no offline queue,
 * so nothing waits for Redis), and after a short timeout otherwise. A failure marks Redis down; the
 * caller then falls back to its local share. One warning per outage, one debug line when it is over.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** A connection URL, or a client whose options (host, TLS, password, sentinels) the coordinator copies. */
export type RedisSource = string | Redis;

/**
 * How long one command may take before Redis counts as unreachable, ms. Short, so nothing waits on a
 * hung Redis, but not so short that a busy event loop (a reply read late) looks like an outage.
 */
export const COMMAND_TIMEOUT_MS = 1000;
/** How long a first connection may take before the coordinator starts on its local share, ms. */
const FIRST_CONNECT_MS = 1000;

/** Options every connection of ours gets, whatever the user's client had. */
const OURS: RedisOptions = {
  // A command sent while disconnected fails now instead of waiting in a queue: nothing hangs on Redis.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: FIRST_CONNECT_MS,
  // Keep trying to come back, at most once a second, forever: an outage ends when Redis returns.
  retryStrategy: (times: number) => Math.min(100 * times, 1000),
  lazyConnect: true,
};

/** Opens one connection from `source` with {@link OURS} on top (`extra` for the blocking reader). */
export function openConnection(source: RedisSource, extra: RedisOptions = {}): Redis {
  const options = { ...OURS, ...extra };
  const connection = typeof source === 'string' ? new Redis(source, options) : source.duplicate(options);
  // Errors surface through the commands that fail; unhandled 'error' events would only crash the app.
  connection.on('error', () => {});
  // An idle connection must not keep the process alive (a pending command's timeout timer does).
  connection.on('connect', () => connection.stream?.unref?.());
  // Nor may its reconnect timer while Redis is down. ioredis arms it right after announcing
  // 'reconnecting' and keeps it in a field it does not document; where the field is absent, nothing
  // happens (the process then stays up until Redis returns or the client is closed).
  connection.on('reconnecting', () =>
    queueMicrotask(() =>
      (connection as unknown as { reconnectTimeout?: NodeJS.Timeout | null }).reconnectTimeout?.unref?.(),
    ),
  );
  return connection;
}

/** Receives the one warning of an outage. */
export type Warn = (message: string) => void;

/** A command connection plus the up/down state the budget, detector and job limiter share. */
export class RedisLink {
  readonly connection: Redis;
  readonly #warn: Warn;
  readonly #firstConnect: Promise<void>;
  #warned = false;
  #settled = false;
  #listeners = new Set<(up: boolean) => void>();
  #up = false;

  constructor(source: RedisSource, warn: Warn) {
    this.connection = openConnection(source);
    this.#warn = warn;
    this.connection.on('ready', () => this.#setUp(true));
    this.connection.on('close', () => this.#setUp(false));
    this.#firstConnect = new Promise<void>((resolve) => {
      const giveUp = () => {
        if (this.#settled) return;
        this.#settled = true;
        clearTimeout(soft);
        clearTimeout(hard);
        this.#outage(new Error(`no connection within ${FIRST_CONNECT_MS} ms`));
        resolve();
      };
      // Connected but not yet ready at the first deadline is a busy process, not an unreachable
      // Redis: it gets until the second.
      const soft = setTimeout(() => {
        if (this.connection.status !== 'connect') giveUp();
      }, FIRST_CONNECT_MS);
      // Kept alive: a take may be waiting for this verdict (an idle process waits at most this long).
      const hard = setTimeout(giveUp, 3 * FIRST_CONNECT_MS);
      this.connection.once('ready', () => {
        this.#settled = true;
        clearTimeout(soft);
        clearTimeout(hard);
        resolve();
      });
      this.connection.connect().catch(() => {});
    });
  }

  /** Whether the last word from Redis was good. */
  get up(): boolean {
    return this.#up;
  }

  /** Resolves once the first connection succeeded or had its second to try. */
  settled(): Promise<void> {
    return this.#firstConnect;
  }

  /** Calls `listener` on every change between up and down; returns the unsubscribe. */
  onChange(listener: (up: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs `command` on the connection; resolves `undefined` instead of throwing when Redis is down
   * or the command fails, so every caller has exactly one branch: its local share.
   */
  async run<T>(command: (connection: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.#settled) await this.#firstConnect;
    if (this.connection.status !== 'ready') {
      this.#outage(new Error(`connection ${this.connection.status}`));
      return undefined;
    }
    try {
      const result = await command(this.connection);
      this.#setUp(true);
      return result;
    } catch (error) {
      this.#outage(error);
      return undefined;
    }
  }

  /** Closes the connection; commands fail from here on. */
  close(): void {
    this.#listeners.clear();
    this.connection.disconnect();
  }

  #outage(error: unknown): void {
    this.#setUp(false);
    if (this.#warned) return;
    this.#warned = true;
    this.#warn(
      `dashscope-liveportrait/redis: Redis is unreachable (${error instanceof Error ? error.message : String(error)}); ` +
        'this process continues on its local share of the budget until Redis returns',
    );
  }

  #setUp(up: boolean): void {
    if (up === this.#up) return;
    this.#up = up;
    // A new outage gets its own warning.
    if (up) this.#warned = false;
    for (const listener of this.#listeners) listener(up);
  }
}
