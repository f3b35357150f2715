/**
 * The in-process coordinator: the account's budget and job limit kept in this process, and bulk
 * detection by this process's own sweeps. Every client connected to one coordinator shares its
 * budget and job limit; each client sweeps for its own waits (over its own key and transport).
 */
import { ConfigurationError } from '../errors.js';
import { JobSlots } from '../internal/job-slots.js';
import { systemTime, type Time } from '../internal/time.js';
import { createLocalBudget } from './budget.js';
import type { Coordinator } from './ports.js';
import { createSweepingDetector } from './sweep.js';

/** Options of {@link createLocalCoordinator}; every field is optional. */
export interface LocalCoordinatorOptions {
  /**
   * Task queries per second (polls, task lists, `getTask`) for every client of this coordinator.
   * DashScope allows 20 per Alibaba Cloud account, all keys and processes together: lower it when
   * other processes share the account. Shrinks by itself on a 429 and recovers slowly. Default 20.
   */
  queriesPerSecond?: number | undefined;
  /**
   * Job submits per second. DashScope does not document this limit; 10/s is what its testing
   * emulator enforces. Shrinks on a 429 like the query rate. `Infinity` turns it off. Default 10.
   */
  submitsPerSecond?: number | undefined;
  /** Jobs of `generateVideo()` submitted and not yet ended at once, over all clients. Default: no limit. */
  maxConcurrentJobs?: number | undefined;
  /** The shortest gap between two sweeps of the task list, ms. Default 1 000. */
  sweepIntervalMs?: number | undefined;
  /**
   * The clocks and sleep everything runs on, the waits of connected clients included. For tests and
   * benchmarks (a fake or scaled clock); default the system's.
   */
  time?: Time | undefined;
}

/**
 * A coordinator that keeps the account's query and submit budget, `maxConcurrentJobs` and end
 * detection in this process. A client without the `coordinator` option makes its own from its
 * `pollBudget` and `maxConcurrentJobs`; pass one to several clients to make them share one budget.
 */
export function createLocalCoordinator(options: LocalCoordinatorOptions = {}): Coordinator {
  const time = options.time ?? systemTime;
  const rates = { query: options.queriesPerSecond ?? 20, submit: options.submitsPerSecond ?? 10 };
  for (const [name, rate] of [
    ['queriesPerSecond', rates.query],
    ['submitsPerSecond', rates.submit],
  ] as const) {
    if (!(rate > 0)) throw new ConfigurationError(`${name} must be a number of requests per second > 0`);
  }
  const budget = createLocalBudget(rates, time);
  const maxJobs = options.maxConcurrentJobs ?? Number.POSITIVE_INFINITY;
  if (maxJobs !== Number.POSITIVE_INFINITY && !(Number.isInteger(maxJobs) && maxJobs >= 1))
    throw new ConfigurationError('maxConcurrentJobs must be a whole number ≥ 1');
  const jobs = new JobSlots(maxJobs);
  return {
    connect(context) {
      const detector = createSweepingDetector({
        listTasks: context.listTasks,
        budget,
        time,
        intervalMs: options.sweepIntervalMs ?? 1_000,
        logger: context.logger,
      });
      return { budget, detector, jobs, time, close: () => detector.close() };
    },
  };
}
