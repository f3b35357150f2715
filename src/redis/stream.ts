/**
 * The stream of statuses the leader publishes, read by every process on a connection of its own
 * (`XREAD BLOCK` holds a connection). A stream rather than pub/sub: a process that loses its
 * connection reads on from the last id it saw, so it misses nothing that is still in the stream.
 * The leader trims it (`MAXLEN ~`) and it expires when nobody publishes for an hour.
 */

import type { TaskSighting } from 'dashscope-liveportrait';
import type { Redis } from 'ioredis';
import { openConnection, type RedisSource } from './link.js';
import { formatStatus, parseStatus } from './watches.js';

/** Entries kept in the stream; far more than a fleet's ends in the time a reader can be away. */
const MAX_ENTRIES = 10_000;
/** The stream expires this long after the last entry, ms. */
const STREAM_TTL_MS = 60 * 60_000;
/** One blocking read waits this long for entries, ms. */
const BLOCK_MS = 1_000;
/** After a failed read, wait this long before the next, ms. */
const RETRY_MS = 500;

/** Appends sightings to the stream (the leader's side); `connection` is the command connection. */
export async function publish(
  connection: Redis,
  key: string,
  sightings: readonly TaskSighting[],
): Promise<void> {
  if (sightings.length === 0) return;
  const pipeline = connection.pipeline();
  for (const sighting of sightings) {
    pipeline.xadd(key, 'MAXLEN', '~', MAX_ENTRIES, '*', 'id', sighting.taskId, 's', formatStatus(sighting));
  }
  pipeline.pexpire(key, STREAM_TTL_MS);
  const results = await pipeline.exec();
  const failed = results?.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}

/** What the reader needs from the watches of its process. */
export interface StreamAudience {
  /** Whether any wait of this process listens; with none, the reader closes its connection. */
  listening(): boolean;
  /** Resolves when `listening()` may have changed, or `signal` aborts. */
  changed(signal: AbortSignal): Promise<void>;
  deliver(sighting: TaskSighting): void;
}

/**
 * Reads the stream while `audience` is listening and hands it every sighting, until `stop` aborts.
 * The connection is open only while some wait listens: a blocked read would keep an idle process alive.
 */
export async function readStream(
  source: RedisSource,
  key: string,
  audience: StreamAudience,
  stop: AbortSignal,
): Promise<void> {
  const connection = openConnection(source, { commandTimeout: BLOCK_MS + 2_000 });
  const onStop = () => connection.disconnect();
  stop.addEventListener('abort', onStop, { once: true });
  // From the newest entry when we start: older ones are about waits that are not ours.
  let lastId: string | undefined;
  try {
    while (!stop.aborted) {
      if (!audience.listening()) {
        connection.disconnect();
        lastId = undefined;
        await audience.changed(stop);
        continue;
      }
      try {
        if (connection.status === 'wait' || connection.status === 'end') await connection.connect();
        if (lastId === undefined) {
          const newest = await connection.xrevrange(key, '+', '-', 'COUNT', 1);
          lastId = newest[0]?.[0] ?? '0-0';
        }
        const reply = await connection.xread('BLOCK', BLOCK_MS, 'STREAMS', key, lastId);
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const taskId = fields[1];
            const status = fields[3];
            if (taskId && status) audience.deliver(parseStatus(taskId, status));
          }
        }
      } catch {
        if (stop.aborted) break;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  } finally {
    stop.removeEventListener('abort', onStop);
    connection.disconnect();
  }
}
