/**
 * The two ports of the waiting core, and the coordinator that provides them to a client.
 *
 * DashScope's limits belong to the account, not to a process: 20 task queries per second for every
 * key and process together, a submit rate, a number of jobs at once. Everything that spends from those
 * limits goes through {@link AccountBudget}; everything that learns "which of my tasks ended" in bulk
 * goes through {@link EndDetector}. The in-process implementations serve one process; fleet mode
 * (`dashscope-liveportrait/redis`) implements the same interfaces on Redis so that many processes share
 * one budget and one sweep. Types only: this file has no behaviour to test, the contract suite in
 * `test/polling/` does that for every implementation.
 */
import type { Time } from '../internal/time.js';
import type { Logger } from '../logger.js';
import type { TaskStatus } from '../schemas.js';

/** What a request spends: a task query (poll, task list, `getTask`) or a job submit. */
export type RequestKind = 'query' | 'submit';

/** The account's request budget, shared by every wait, query and submit of a client (or a fleet). */
export interface AccountBudget {
  /**
   * Resolves once one request of `kind` fits the budget, having spent it; rejects with
   * `signal.reason` as soon as `signal` aborts (nothing is spent then). Never hangs on a remote
   * store: an implementation that cannot reach its store falls back to a local share.
   */
  take(kind: RequestKind, signal?: AbortSignal): Promise<void>;
  /**
   * DashScope answered a request of `kind` with 429 `Throttling`: nothing of that kind is granted for
   * `retryAfterMs` (1 s when the server did not say), and the sustained rate slows down. A shared
   * budget pauses every process it serves.
   */
  throttled(kind: RequestKind, retryAfterMs: number | undefined): void;
  /** Task queries per second this process may plan with now (its share of the account's rate). */
  queryRate(): number;
}

/** A status that bulk detection saw for a watched task; `endedAt` is epoch ms when DashScope said. */
export interface TaskSighting {
  taskId: string;
  status: TaskStatus;
  endedAt?: number | undefined;
}

/** What to list: tasks submitted from `startTime` on (`yyyyMMddHHmmss`, Beijing time), of one status or all. */
export interface TaskListQuery {
  status?: string | undefined;
  startTime: string;
  pageNo: number;
  pageSize: number;
}

/** One task of a list page; times are epoch ms as the list endpoint sends them. */
export interface TaskListItem {
  taskId: string;
  status: string;
  submittedAt: number | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
}

/** One page of the list endpoint, for detecting many tasks' ends with one query. */
export interface TaskListPage {
  items: TaskListItem[];
  /** Pages in all, as the server counts them now (1 when it does not say). */
  totalPages: number;
}

/**
 * One query of the list endpoint. It spends a query token itself (the client's transport takes one
 * before every request it sends of kind `query`), so a detector only paces its sweeps.
 */
export type ListTasks = (query: TaskListQuery, signal: AbortSignal) => Promise<TaskListPage>;

/** Learns in bulk which watched tasks have ended (and, where it can, other status changes). */
export interface EndDetector {
  /**
   * Starts watching `taskId`, submitted at `submittedAt` (epoch ms; the list endpoint filters on
   * submit time). `onSighting` is told each new status a sweep saw for it, its end at least once.
   * Returns the function that stops watching (idempotent). Detection is best effort: a wait still
   * polls on its own, rarely, for anything a sweep missed.
   */
  watch(taskId: string, submittedAt: number, onSighting: (sighting: TaskSighting) => void): () => void;
  /**
   * How long a watched wait may now go without a poll of its own, ms: 0 while this detector is not
   * sweeping for this process (waits then follow their own schedule), else a long gap, the backstop
   * for anything a sweep misses (a task that expired, a sweep that failed). Waits ask again every
   * few seconds, so a detector that stops sweeping hands detection back to them promptly.
   */
  backstopMs(): number;
  /**
   * A wait's own poll found `taskId` ended at `endedAt` (epoch ms, when DashScope said) before any
   * sighting did: a detector whose sweeps should have seen it may stop trusting them.
   */
  missed(taskId: string, endedAt: number | undefined): void;
  /** Stops sweeping and reading; watches end. Idempotent. */
  close(): Promise<void>;
}

/** At most N jobs submitted and not yet ended (`maxConcurrentJobs`), first come first served. */
export interface JobLimiter {
  /** Resolves with a release function (idempotent) once a slot is free; rejects with `signal.reason` on abort. */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/** What a client hands its coordinator when it connects. */
export interface CoordinatorContext {
  /** The list endpoint over the client's transport (which spends from the budget). */
  listTasks: ListTasks;
  logger?: Logger | undefined;
}

/** The ports one client uses, from one coordinator. */
export interface Coordination {
  budget: AccountBudget;
  detector: EndDetector;
  jobs: JobLimiter;
  /**
   * The clocks and sleep the ports run on; the client's waits then run on the same. Default: the
   * system's (`performance.now()`, `Date.now()`, `setTimeout`). Tests and benchmarks set it to run
   * everything on a fake or scaled clock.
   */
  time?: Time | undefined;
  /** The client is closing: stop timers and release what this connection holds. */
  close(): Promise<void>;
}

/**
 * Provides the account's budget, end detection and job limit to clients (the client option
 * `coordinator`). Default: an in-process coordinator built from the client's own options.
 */
export interface Coordinator {
  connect(context: CoordinatorContext): Coordination;
}
