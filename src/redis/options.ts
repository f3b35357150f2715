/** The options of the Redis coordinator, and the checks made when it is created. */

import { ConfigurationError } from 'dashscope-liveportrait';
import type { Redis } from 'ioredis';
import type { Warn } from './link.js';

/** Options of {@link createRedisCoordinator}. */
export interface RedisCoordinatorOptions {
  /**
   * A connection URL (`redis://…`, `rediss://…`) or an `ioredis` client. The coordinator opens its own
   * connections (two while waits are open) with the client's settings and short timeouts; it never
   * uses or closes the client itself.
   */
  redis: string | Redis;
  /** Prefix of every key the coordinator writes. Default `dashscope-liveportrait:`. */
  keyPrefix?: string | undefined;
  /**
   * Task queries per second for the whole fleet (polls, task lists, `getTask`). DashScope allows 20
   * per account: lower it by what other users of the account send. Default 20.
   */
  queriesPerSecond?: number | undefined;
  /**
   * Submits per second for the whole fleet. DashScope does not document this limit; 10/s is what
   * its testing emulator enforces and what the in-process coordinator assumes. `Infinity` turns it
   * off. Default 10.
   */
  submitsPerSecond?: number | undefined;
  /** Jobs submitted and not yet ended across the whole fleet. Default: no limit. */
  maxConcurrentJobs?: number | undefined;
  /**
   * Receives the one warning of each Redis outage. Default: `process.emitWarning`.
   */
  onWarning?: ((message: string) => void) | undefined;
}

const DEFAULT_PREFIX = 'dashscope-liveportrait:';

/** The options, checked, with their defaults. */
export interface Settings {
  redis: string | Redis;
  keyPrefix: string;
  queriesPerSecond: number;
  submitsPerSecond: number | undefined;
  maxConcurrentJobs: number | undefined;
  onWarning: Warn;
}

export function checkOptions(options: RedisCoordinatorOptions): Settings {
  const { redis } = options ?? {};
  if (typeof redis !== 'string' && typeof (redis as Partial<Redis> | undefined)?.duplicate !== 'function') {
    throw new ConfigurationError(
      'createRedisCoordinator needs { redis }: a connection URL or an ioredis client',
    );
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_PREFIX;
  if (typeof keyPrefix !== 'string') throw new ConfigurationError('keyPrefix must be a string');
  return {
    redis,
    keyPrefix,
    queriesPerSecond: rate('queriesPerSecond', options.queriesPerSecond ?? 20),
    submitsPerSecond: unlimitedOrRate('submitsPerSecond', options.submitsPerSecond ?? 10),
    maxConcurrentJobs:
      options.maxConcurrentJobs === undefined
        ? undefined
        : wholeCount('maxConcurrentJobs', options.maxConcurrentJobs),
    onWarning: options.onWarning ?? ((message) => process.emitWarning(message, 'DashScopeRedisWarning')),
  };
}

function rate(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(
      `${name} must be a finite number of requests per second > 0, got ${String(value)}`,
    );
  }
  return value;
}

/** `Infinity` turns the limit off (undefined); anything else must be a rate. */
function unlimitedOrRate(name: string, value: number): number | undefined {
  return value === Number.POSITIVE_INFINITY ? undefined : rate(name, value);
}

function wholeCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a whole number ≥ 1, got ${String(value)}`);
  }
  return value;
}
