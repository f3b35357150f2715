/**
 * Waiting for a task to end. It knows statuses and time, not HTTP: it is handed a `fetchTask`
 * function, a clock and a sleep, so tests drive it with fake time and no sockets.
 *
 * Rules: backoff with jitter between polls; a transient poll failure (network, 5xx, 429) never ends
 * the wait before its deadline, a fatal one (401, 403, 400…) ends it at once; every sleep and every
 * in-flight poll stops when the caller aborts or the deadline passes; an unrecognized status is
 * treated as not final and logged once.
 */
import {
  AbortError,
  RateLimitError,
  TaskCanceledError,
  TaskFailedError,
  TaskUnknownError,
  WaitTimeoutError,
} from './errors.js';
import { type LinkedAbort, linkAbort } from './internal/signals.js';
import type { Clock, Sleep } from './internal/time.js';
import type { Logger } from './logger.js';
import { isRetryable } from './retry.js';
import type { SucceededTask, Task, TaskStatus } from './schemas.js';

/** Told whenever the task's status changes. */
export interface ProgressEvent {
  taskId: string;
  status: TaskStatus;
  /** Milliseconds since the wait began. */
  elapsedMs: number;
  /** Successful polls so far. */
  polls: number;
}

/** The gaps between polls: `initialMs`, growing by `factor` up to `maxMs`, each with ±`jitter`. */
export interface PollSchedule {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of each gap randomized, so many waits started together spread out. */
  jitter: number;
}

/** 1 s, growing by a quarter each poll to 5 s: quick for short jobs, 12 queries a minute at most. */
export const DEFAULT_POLL_SCHEDULE: PollSchedule = {
  initialMs: 1_000,
  maxMs: 5_000,
  factor: 1.25,
  jitter: 0.1,
};

/** Default overall deadline of a wait: 15 minutes. */
export const DEFAULT_WAIT_TIMEOUT = 15 * 60_000;

/** What one poll brought back: the task, or the error it failed with. */
export type PollOutcome = { ok: true; task: Task } | { ok: false; error: unknown };

/**
 * Decides when a wait may send its next poll. The client's poll scheduler implements it so that all
 * waits share one query budget and one timer; without one, the wait simply sleeps until `dueAt`.
 */
export interface PollGate {
  /**
   * Resolves when the wait may poll: at `dueAt` (the wait's own backoff, on `clock`) or later when the
   * budget is spent, or sooner when the gate knows better. Rejects with `signal.reason` on abort.
   */
  acquire(dueAt: number, signal: AbortSignal): Promise<void>;
  /** Told the outcome of every poll, to learn from it and to slow down on throttling. */
  observe(outcome: PollOutcome): void;
  /** The wait is over, whichever way it ended. */
  close(): void;
}

/** What the wait needs from the outside world. */
export interface WaitDeps {
  /** One query of the task; `signal` aborts it. */
  fetchTask: (signal: AbortSignal) => Promise<Task>;
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  logger?: Logger | undefined;
  /** Shares polls with other waits; default: sleep until each poll is due. */
  gate?: PollGate | undefined;
}

/** Options of one wait. */
export interface WaitOptions {
  taskId: string;
  signal?: AbortSignal | undefined;
  /** Overall deadline in ms; `null` waits forever. Default 15 minutes. */
  timeout?: number | null | undefined;
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  schedule?: PollSchedule | undefined;
  /** Wait this long before the first poll (a task just submitted is certainly still PENDING). */
  firstPollAfterMs?: number | undefined;
  /**
   * The status already known before any poll (submit answered `PENDING`): a timeout before the first
   * poll succeeds reports it as `lastStatus` instead of "no status seen".
   */
  initialStatus?: TaskStatus | undefined;
}

/** The reason a wait's own signal aborts with when its deadline passes. */
const DEADLINE: unique symbol = Symbol('deadline');

/** Polls until the task ends; resolves with the succeeded task or rejects with the SDK's typed error. */
export async function waitForTask(deps: WaitDeps, options: WaitOptions): Promise<SucceededTask> {
  const { clock, random } = deps;
  const { taskId, signal, onProgress } = options;
  const schedule = options.schedule ?? DEFAULT_POLL_SCHEDULE;
  const timeoutMs = options.timeout === undefined ? DEFAULT_WAIT_TIMEOUT : options.timeout;
  const started = clock.now();
  const deadline = timeoutMs === null ? Number.POSITIVE_INFINITY : started + timeoutMs;
  // Made on the first unknown status only: most waits never see one, and 1,000 waits hold 1,000 of these.
  let unrecognizedSeen: Set<string> | undefined;
  let lastStatus: TaskStatus | undefined;
  let polls = 0;
  let gap = schedule.initialMs;
  let nextPollIn = options.firstPollAfterMs ?? 0;
  const gate = deps.gate ?? sleepingGate(deps);
  // One signal for the wait's whole life, which every step runs on: the caller's own when there is no
  // deadline, else one controller (following the caller's signal, if any) that one alarm aborts with
  // DEADLINE.
  const life = deadline === Number.POSITIVE_INFINITY && signal !== undefined ? undefined : linkAbort(signal);
  const stepSignal = life?.signal ?? (signal as AbortSignal);

  try {
    if (life && Number.isFinite(deadline)) armDeadline(deps, life, deadline - started);
    for (;;) {
      const dueAt = clock.now() + nextPollIn;
      beforeStep(life, stepSignal, clock, deadline);
      await gate.acquire(dueAt, stepSignal);
      beforeStep(life, stepSignal, clock, deadline);
      const outcome = await pollOnce(deps, stepSignal);
      gate.observe(outcome);
      let serverAskedMs = 0;
      if (outcome.ok) {
        const task = outcome.task;
        polls++;
        if (task.status === 'UNRECOGNIZED' && !unrecognizedSeen?.has(task.rawStatus)) {
          unrecognizedSeen ??= new Set();
          unrecognizedSeen.add(task.rawStatus);
          deps.logger?.debug('unrecognized task status; still waiting', { taskId, status: task.rawStatus });
        }
        if (task.status !== lastStatus) {
          lastStatus = task.status;
          onProgress?.({ taskId, status: task.status, elapsedMs: Math.round(clock.now() - started), polls });
        }
        const final = settle(task);
        if (final) return final;
      } else {
        if (!isRetryable(outcome.error, 'idempotent')) throw outcome.error;
        serverAskedMs = outcome.error instanceof RateLimitError ? (outcome.error.retryAfterMs ?? 0) : 0;
        deps.logger?.debug('poll failed; will poll again', { taskId, error: String(outcome.error) });
      }
      nextPollIn = Math.max(serverAskedMs, withJitter(gap, schedule.jitter, random));
      gap = Math.min(gap * schedule.factor, schedule.maxMs);
    }
  } catch (error) {
    if (signal?.aborted) throw new AbortError('The wait was aborted', { cause: signal.reason });
    if (life?.signal.aborted && life.signal.reason === DEADLINE) {
      const seen = lastStatus ?? options.initialStatus;
      throw new WaitTimeoutError({ taskId, lastStatus: seen, timeoutMs: timeoutMs ?? 0 });
    }
    throw error;
  } finally {
    gate.close();
    if (life) {
      // Cancels the deadline's alarm (its abort listener removes it) and detaches from the caller.
      if (!life.signal.aborted) life.abort(SETTLED);
      life.release();
    }
  }
}

/** The reason a wait's own signal aborts with when the wait is over, to cancel its deadline alarm. */
const SETTLED: unique symbol = Symbol('settled');

/**
 * Throws the reason the wait's signal aborted with, if it has; a deadline the clock has passed counts
 * even if its alarm has not fired yet (a busy event loop).
 */
function beforeStep(
  life: LinkedAbort | undefined,
  signal: AbortSignal,
  clock: Clock,
  deadline: number,
): void {
  if (life && clock.now() >= deadline) life.abort(DEADLINE);
  if (signal.aborted) throw signal.reason;
}

/**
 * Arms the wait's one deadline: an alarm that aborts `life` with DEADLINE after `ms`, so every step,
 * a hanging poll included, stops on time. If the alarm fails for another reason than `life` aborting
 * (the client was closed), `life` aborts with that reason and the wait ends with it.
 */
function armDeadline(deps: WaitDeps, life: LinkedAbort, ms: number): void {
  if (ms <= 0) {
    life.abort(DEADLINE);
    return;
  }
  deps.sleep(ms, life.signal).then(
    () => life.abort(DEADLINE),
    (reason: unknown) => life.abort(reason),
  );
}

/** The gate of a wait on its own: sleep until the poll is due (no sleep, no timer, when it is due now). */
function sleepingGate(deps: WaitDeps): PollGate {
  return {
    acquire: async (dueAt, signal) => {
      const ms = dueAt - deps.clock.now();
      if (ms > 0) await deps.sleep(ms, signal);
    },
    observe: () => {},
    close: () => {},
  };
}

async function pollOnce(deps: WaitDeps, signal: AbortSignal): Promise<PollOutcome> {
  try {
    return { ok: true, task: await deps.fetchTask(signal) };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, error };
  }
}

/** The task's final result, a thrown error for a failed end, or undefined while it is not final. */
function settle(task: Task): SucceededTask | undefined {
  switch (task.status) {
    case 'SUCCEEDED':
      return task;
    case 'FAILED':
      throw new TaskFailedError({
        taskId: task.taskId,
        code: task.code,
        message: task.message,
        requestId: task.requestId,
      });
    case 'CANCELED':
      throw new TaskCanceledError({ taskId: task.taskId, requestId: task.requestId });
    case 'UNKNOWN':
      throw new TaskUnknownError({ taskId: task.taskId, requestId: task.requestId });
    default:
      return undefined;
  }
}

function withJitter(ms: number, jitter: number, random: () => number): number {
  return Math.round(ms * (1 - jitter + 2 * jitter * random()));
}
