/**
 * The Redis coordinator: one per process, handed to every client of the account as the `coordinator`
 * option. Clients connecting to it share its connections, budget lanes, watches and job slots; the
 * first connect opens them, the last close ends them.
 */

import type {
  Coordination,
  Coordinator,
  CoordinatorContext,
  EndDetector,
  ListTasks,
} from 'dashscope-liveportrait';
import { AbortError, createLocalCoordinator, type Time } from 'dashscope-liveportrait';
import { type AloneDetection, detectAlone } from './alone.js';
import { RedisBudget } from './budget.js';
import { FleetMembership } from './fleet.js';
import { RedisJobLimiter } from './jobs.js';
import { FleetLeader, type SweepingDetectorFactory } from './leader.js';
import { RedisLink, type Warn } from './link.js';
import { checkOptions, type RedisCoordinatorOptions } from './options.js';
import { readStream } from './stream.js';
import { WatchRegistry } from './watches.js';

/** What tests and the benchmark may replace; not public. */
export interface CoordinatorInternals {
  /** The sweeping detector the leader (or a process cut off from Redis) runs. Default: the in-process one. */
  detector?: SweepingDetectorFactory | undefined;
  /** The clocks the sweeps and the clients' waits run on (a scaled clock in the benchmark). */
  time?: Time | undefined;
  /** How much faster than real time DashScope's clock runs (the fleet benchmark). Default 1. */
  timeScale?: number | undefined;
}

/** Everything one process shares among the clients connected to its coordinator. */
interface Shared {
  link: RedisLink;
  fleet: FleetMembership;
  alone: AloneDetection;
  budget: RedisBudget;
  jobs: RedisJobLimiter | undefined;
  watches: WatchRegistry;
  leader: FleetLeader;
  stop: AbortController;
  reader: Promise<void>;
  close(): Promise<void>;
}

/** Checks the options and builds the coordinator; see `createRedisCoordinator` for the public one. */
export function buildRedisCoordinator(
  options: RedisCoordinatorOptions,
  internals: CoordinatorInternals = {},
): Coordinator {
  const settings = checkOptions(options);
  const scale = internals.timeScale ?? 1;
  const { time } = internals;
  // The in-process sweep, paced for the rate it is given; its list queries spend from the shared
  // budget through the client's transport.
  const sweeper: SweepingDetectorFactory =
    internals.detector ??
    (({ listTasks, queriesPerSecond, logger }) =>
      createLocalCoordinator({ queriesPerSecond, time }).connect({ listTasks, logger }).detector);
  const contexts = new Set<CoordinatorContext>();
  let shared: Shared | undefined;

  const open = (): Shared => {
    const id = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const prefix = settings.keyPrefix;
    const warn: Warn = settings.onWarning;
    const link = new RedisLink(settings.redis, warn);
    const fleet = new FleetMembership(link, { members: `${prefix}fleet`, backstop: `${prefix}backstop` }, id);
    const budget = new RedisBudget({ ...settings, link, keyPrefix: prefix, fleet, scale, member: id });
    const keys = {
      expiry: `${prefix}watch:expiry`,
      submitted: `${prefix}watch:submitted`,
      status: `${prefix}watch:status`,
      lease: `${prefix}leader`,
      stream: `${prefix}ended`,
      backstop: `${prefix}backstop`,
    };
    const watches = new WatchRegistry(link, keys);
    const listTasks = (): ListTasks | undefined => contexts.values().next().value?.listTasks;
    const leader = new FleetLeader({
      link,
      keys,
      id,
      detector: sweeper,
      // The leader sweeps for everyone: it plans with the whole fleet's rate, not a share.
      queriesPerSecond: settings.queriesPerSecond,
      listTasks: () => behindFleetLine(listTasks(), budget),
    });
    // A new wait here is swept from now if this process leads, not from the next renewal; and back
    // from an outage, the lease is asked for at once.
    watches.onChange(() => leader.poke());
    link.onChange((up) => up && leader.poke());
    const jobs =
      settings.maxConcurrentJobs === undefined
        ? undefined
        : new RedisJobLimiter({
            link,
            key: `${prefix}jobs`,
            limit: settings.maxConcurrentJobs,
            owner: id,
            fleet,
          });
    const stop = new AbortController();
    const reader = readStream(
      settings.redis,
      keys.stream,
      {
        listening: () => watches.size > 0,
        changed: (signal) => nextChange(watches, signal),
        deliver: (sighting) => watches.sighted(sighting),
      },
      stop.signal,
    );
    // Cut off from Redis, a process sweeps for its own waits at its share of the rate.
    const alone = detectAlone(
      link,
      watches,
      listTasks,
      () => leader.leading || fleet.backstopMs > 0,
      (list) => sweeper({ listTasks: list, queriesPerSecond: settings.queriesPerSecond / fleet.size }),
    );
    return {
      link,
      fleet,
      alone,
      budget,
      jobs,
      watches,
      leader,
      stop,
      reader,
      async close() {
        const reason = new AbortError(
          'The client was closed while waiting for the account budget or a job slot',
        );
        stop.abort(reason);
        budget.close(reason);
        await Promise.all([leader.close(), alone.close(), watches.close(), jobs?.close(reason), reader]);
        await fleet.close();
        link.close();
      },
    };
  };

  return {
    connect(context: CoordinatorContext): Coordination {
      contexts.add(context);
      shared ??= open();
      const current = shared;
      const detector = clientDetector(current);
      let closing: Promise<void> | undefined;
      return {
        budget: current.budget,
        detector,
        jobs: current.jobs ?? { acquire: unlimited },
        time,
        close() {
          closing ??= (async () => {
            await detector.close();
            contexts.delete(context);
            if (contexts.size > 0 || shared !== current) return;
            shared = undefined;
            await current.close();
          })();
          return closing;
        },
      };
    },
  };
}

/** One client's view of the shared watches: closing it ends that client's watches only. */
function clientDetector({ watches, alone, fleet, leader }: Shared): EndDetector {
  const mine = new Set<() => void>();
  return {
    // Alone, this process's own sweep decides; else the leader's (its note, when another leads).
    backstopMs: () => alone.backstopMs() ?? leader.backstopMs() ?? fleet.backstopMs,
    // Only a process sweeping for itself may conclude that the list endpoint misses ends: in the fleet
    // a sighting travels through Redis and another process, and arriving late is not missing.
    missed: (taskId, endedAt) => alone.missed(taskId, endedAt),
    watch(taskId, submittedAt, onSighting) {
      const unwatch = watches.watch(taskId, submittedAt, onSighting);
      const stop = () => {
        mine.delete(stop);
        unwatch();
      };
      mine.add(stop);
      return stop;
    },
    async close() {
      for (const stop of [...mine]) stop();
    },
  };
}

/**
 * The leader's list endpoint: each list query first lets the fleet's waiting queries go, as it would
 * queue behind them in one process's line (see `RedisBudget.afterFleetLine`).
 */
function behindFleetLine(listTasks: ListTasks | undefined, budget: RedisBudget): ListTasks | undefined {
  if (!listTasks) return undefined;
  return async (query, signal) => {
    await budget.afterFleetLine(signal);
    return listTasks(query, signal);
  };
}

/** Resolves at the next change of the watched set, or when `signal` aborts. */
function nextChange(watches: WatchRegistry, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      off();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const off = watches.onChange(done);
    signal.addEventListener('abort', done, { once: true });
  });
}

const unlimited = (signal?: AbortSignal): Promise<() => void> =>
  signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve(() => {});
