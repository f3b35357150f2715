/**
 * The in-process {@link EndDetector}: bulk detection through the list endpoint. One page of the list
 * tells which of up to 100 tasks have ended, where single queries would need one each. While two or
 * more watched tasks have a known submit time, sweeps run one after another: each lists the tasks
 * submitted since the oldest watched one, all statuses in one page while they fit, else only the ended
 * ones (`SUCCEEDED`, `FAILED`, and every few sweeps `CANCELED`) page by page, and tells each watch what
 * it saw. Waits then fetch details (the video URL, the failure's code) only for tasks that ended.
 */
import { RateLimitError } from '../errors.js';
import { formatListTime, type Time } from '../internal/time.js';
import type { Logger } from '../logger.js';
import { ENDED_STATUSES, type TaskStatus, toTaskStatus } from '../schemas.js';
import type { AccountBudget, EndDetector, ListTasks, TaskListItem, TaskSighting } from './ports.js';

/** Largest page the list endpoint is known to serve. */
const PAGE_SIZE = 100;
/** Stop paging after this many pages of one status: beyond it single polls are cheaper anyway. */
const MAX_PAGES = 50;
/** Reach this far before the oldest submit time: room for clock skew between this host and DashScope. */
const WINDOW_MARGIN_MS = 60_000;
/** A task that ended this long before a sweep began should have been in it (list vs. detail lag). */
const MISSED_AFTER_MS = 5_000;
/** Cancellations are rare and only a user's own action: look for them on every fifth sweep. */
const CANCELED_EVERY = 5;
/**
 * Watched tasks needed before sweeps start: from two on, one listing costs less than their polls. Once
 * started, sweeps go on while any task is watched, so the last wait is not left to its backstop.
 */
const SWEEP_FROM = 2;
/** Share of the query rate sweeps may use; the rest is for the detail queries they lead to. */
const SWEEP_SHARE = 0.25;
/** Share of the query rate the backstop polls of all watched waits may use together. */
const BACKSTOP_SHARE = 0.05;
/** A watched wait polls on its own at least this rarely while sweeps run. */
const MIN_BACKSTOP_MS = 60_000;
/** After the list endpoint fails (other than throttling), leave detection to the waits for this long. */
const COOLDOWN_MS = 5 * 60_000;

/** Options of {@link createSweepingDetector}. */
export interface SweepOptions {
  listTasks: ListTasks;
  budget: AccountBudget;
  time: Time;
  /** The shortest gap between two sweeps, ms (a sweep of many pages waits longer). */
  intervalMs: number;
  logger?: Logger | undefined;
}

interface Watch {
  taskId: string;
  submittedAt: number;
  seen: TaskStatus | undefined;
  tell(sighting: TaskSighting): void;
}

/** An end detector that sweeps the list endpoint while enough tasks are watched. */
export function createSweepingDetector(options: SweepOptions): EndDetector {
  const { listTasks, budget, time, logger } = options;
  const watches = new Map<string, Watch[]>();
  let count = 0;
  let running: AbortController | undefined;
  let closed = false;
  let brokenUntil = Number.NEGATIVE_INFINITY;
  let lastSweepStart = Number.NEGATIVE_INFINITY;
  let sweeps = 0;
  /** The last all-status listing needed more than one page: list only ended tasks until few remain. */
  let overflowed = false;

  const wanted = () => !closed && count >= (running ? 1 : SWEEP_FROM) && time.now() >= brokenUntil;

  function update(): void {
    if (wanted() && !running) void run();
    else if (!wanted() && running) running.abort();
  }

  async function run(): Promise<void> {
    const controller = new AbortController();
    running = controller;
    const { signal } = controller;
    try {
      while (wanted()) {
        const startedWall = time.wallNow();
        const queries = await sweep(signal);
        lastSweepStart = startedWall;
        const paced = (queries * 1_000) / (SWEEP_SHARE * budget.queryRate());
        await time.sleep(Math.max(options.intervalMs, paced), signal);
      }
    } catch (error) {
      if (!signal.aborted) failed(error);
    } finally {
      if (running === controller) running = undefined;
      update();
    }
  }

  function failed(error: unknown): void {
    // A 429 already slowed the budget down (the transport reports it); the next sweep waits for it.
    if (error instanceof RateLimitError) return;
    brokenUntil = time.now() + COOLDOWN_MS;
    logger?.debug('task list failed; waits poll on their own for a while', { error: String(error) });
  }

  /**
   * One sweep; resolves with the number of list queries it sent. What it saw is told at the end, all
   * at once and in the order the tasks ended: told page by page, the detail queries of one page would
   * queue before the next page's list query, and a sweep of many pages would crawl behind its own
   * detail queries while later ends go unseen.
   */
  async function sweep(signal: AbortSignal): Promise<number> {
    const sweep = sweeps++;
    const seen: TaskListItem[] = [];
    let queries = 0;
    // Other tasks of the account share the window, so "fits" is learned from the answer, not assumed.
    if (count <= PAGE_SIZE / 2 && !overflowed) {
      const listed = await listStatus(undefined, 1, seen, signal);
      overflowed = listed.pages > 1;
      queries = listed.queries;
    } else {
      if (count <= PAGE_SIZE / 4) overflowed = false;
      const statuses =
        sweep % CANCELED_EVERY === 0 ? ['SUCCEEDED', 'FAILED', 'CANCELED'] : ['SUCCEEDED', 'FAILED'];
      for (const status of statuses) queries += (await listStatus(status, MAX_PAGES, seen, signal)).queries;
    }
    tell(seen);
    return queries;
  }

  /** Lists up to `maxPages` pages of `status` (every status when undefined) into `seen`. */
  async function listStatus(
    status: string | undefined,
    maxPages: number,
    seen: TaskListItem[],
    signal: AbortSignal,
  ) {
    let queries = 0;
    let pages = 1;
    for (let pageNo = 1; pageNo <= maxPages; pageNo++) {
      const oldest = oldestSubmit();
      if (oldest === undefined) break;
      const startTime = formatListTime(oldest - WINDOW_MARGIN_MS);
      const page = await listTasks({ status, startTime, pageNo, pageSize: PAGE_SIZE }, signal);
      queries++;
      pages = page.totalPages;
      seen.push(...page.items);
      if (pageNo >= page.totalPages || page.items.length < PAGE_SIZE) break;
    }
    return { queries, pages };
  }

  /** Tells each watch of a listed task its new status; ended ones in the order they ended. */
  function tell(items: readonly TaskListItem[]): void {
    const endedFirst = [...items].sort((a, b) => (a.endedAt ?? Infinity) - (b.endedAt ?? Infinity));
    for (const item of endedFirst) {
      const status = toTaskStatus(item.status);
      for (const watch of watches.get(item.taskId) ?? []) {
        if (watch.seen === status) continue;
        watch.seen = status;
        watch.tell({
          taskId: item.taskId,
          status,
          endedAt: ENDED_STATUSES.has(status) ? item.endedAt : undefined,
        });
      }
    }
  }

  /** The oldest submit among watches still waiting for their end to be seen: the list window's start. */
  function oldestSubmit(): number | undefined {
    let oldest: number | undefined;
    for (const list of watches.values()) {
      for (const watch of list) {
        if (watch.seen !== undefined && ENDED_STATUSES.has(watch.seen)) continue;
        if (oldest === undefined || watch.submittedAt < oldest) oldest = watch.submittedAt;
      }
    }
    return oldest;
  }

  return {
    watch(taskId, submittedAt, onSighting) {
      const watch: Watch = { taskId, submittedAt, seen: undefined, tell: onSighting };
      // An array, not a Set: a task almost always has one watch, and a thousand waits hold one each.
      const list = watches.get(taskId);
      if (list) list.push(watch);
      else watches.set(taskId, [watch]);
      count++;
      update();
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        const rest = (watches.get(taskId) ?? []).filter((other) => other !== watch);
        if (rest.length > 0) watches.set(taskId, rest);
        else watches.delete(taskId);
        count--;
        update();
      };
    },
    backstopMs() {
      if (!running) return 0;
      return Math.max(MIN_BACKSTOP_MS, (count / (BACKSTOP_SHARE * budget.queryRate())) * 1_000);
    },
    missed(taskId, endedAt) {
      if (endedAt === undefined || endedAt >= lastSweepStart - MISSED_AFTER_MS) return;
      // A sweep that began well after this task ended did not report it: the list endpoint does not
      // see what a single query sees (another window, another clock). Stop trusting it.
      brokenUntil = Number.POSITIVE_INFINITY;
      logger?.debug('the task list missed an ended task; waits poll on their own from now on', { taskId });
      update();
    },
    async close() {
      closed = true;
      update();
    },
  };
}
