/**
 * `dashscope-liveportrait/redis`: fleet mode. Every process of an account shares one query budget,
 * one sweep of the task list, one submit rate and one `maxConcurrentJobs` through Redis:
 *
 * ```ts
 * import { createRedisCoordinator } from 'dashscope-liveportrait/redis';
 * const coordinator = createRedisCoordinator({ redis: process.env.REDIS_URL });
 * const client = new LivePortraitClient({ coordinator });
 * ```
 *
 * Needs the optional peer dependency `ioredis` (5.4 or 6). The main entry of the package never loads it.
 */
import type { Coordinator } from 'dashscope-liveportrait';
import { buildRedisCoordinator } from './coordinator.js';
import type { RedisCoordinatorOptions } from './options.js';

export type { RedisCoordinatorOptions } from './options.js';

/**
 * A coordinator that shares the account's budget, end detection and job limit with every other
 * process using the same Redis and `keyPrefix`. Create one per process and pass it to every client
 * (`new LivePortraitClient({ coordinator })`); it opens its connections when the first client
 * connects and closes them when the last one closes. Throws `ConfigurationError` for bad options.
 * With Redis unreachable, work goes on: each process falls back to its share of the budget.
 */
export function createRedisCoordinator(options: RedisCoordinatorOptions): Coordinator {
  return buildRedisCoordinator(options);
}
