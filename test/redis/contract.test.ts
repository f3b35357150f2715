/**
 * The ports' contract suites (test/polling/contract) against the Redis implementations, on a real
 * redis-server and real time: each factory builds a coordinator of its own under a fresh key prefix.
 */

import type { ListTasks } from '../../src/index.js';
import { buildRedisCoordinator } from '../../src/redis/coordinator.js';
import type { RedisCoordinatorOptions } from '../../src/redis/options.js';
import { describeAccountBudgetContract } from '../polling/contract/account-budget.contract.js';
import { describeEndDetectorContract } from '../polling/contract/end-detector.contract.js';
import { describeJobLimiterContract } from '../polling/contract/job-limiter.contract.js';
import { useRedisServer } from './helpers.js';

const redis = useRedisServer();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const noList: ListTasks = async () => ({ items: [], totalPages: 1 });

let prefixes = 0;
function connect(options: Partial<RedisCoordinatorOptions>, listTasks: ListTasks = noList) {
  const coordinator = buildRedisCoordinator({
    redis: redis.server.url,
    keyPrefix: `contract${++prefixes}:`,
    onWarning: () => {},
    ...options,
  });
  return coordinator.connect({ listTasks });
}

describeAccountBudgetContract('Redis GCRA bucket', async ({ queriesPerSecond, submitsPerSecond }) => {
  const coordination = connect({ queriesPerSecond, submitsPerSecond });
  return {
    budget: coordination.budget,
    now: () => performance.now(),
    advance: sleep,
    // Grants are timed by Redis; this process sees each one a round trip and an event-loop turn later,
    // which on a loaded machine can be a few hundred ms.
    toleranceMs: 300,
    close: () => coordination.close(),
  };
});

describeEndDetectorContract('Redis leader sweep and stream', async (listTasks) => {
  const coordination = connect({}, listTasks);
  return {
    detector: coordination.detector,
    wallNow: () => Date.now(),
    advance: sleep,
    close: () => coordination.close(),
  };
});

describeJobLimiterContract('Redis job slots', async (limit) => {
  const coordination = connect({ maxConcurrentJobs: limit });
  return {
    jobs: coordination.jobs,
    // A release or an acquire is a round trip to Redis, and a waiter retries every 250 ms.
    settle: () => sleep(600),
    close: () => coordination.close(),
  };
});
