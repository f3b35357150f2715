/**
 * Waiting for one task to end. It knows statuses and time, not HTTP: it is handed a `fetchTask`
 * (which spends from the account's budget itself), a {@link Time}, and optionally an end detector.
 *
 * Rules: polls follow one backoff (`initialMs`, growing by `factor` up to `maxMs`, with jitter), and
 * never sooner than a server's `Retry-After`; while the detector sweeps for this task, the wait polls
 * only as a backstop and once right after a sweep saw its end; every status a poll or a sweep saw is
 * reported once through `onProgress`; a transient poll failure never ends the wait before its
 * deadline, a fatal one (401, 403, 400…) ends it at once; the caller's signal, the deadline and the
 * client closing stop every sleep and in-flight poll at once.
 */
import {
  AbortError,
  TaskCanceledError,
  TaskFailedError,
  TaskUnknownError,
  WaitTimeoutError,
} from './errors.js';
import { linkAbort } from './internal/signals.js';
import { parseBeijingTime, type Time } from './internal/time.js';
import type { Logger } from './logger.js';
import type { EndDetector, TaskSighting } from './polling/ports.js';
import { clampedRetryAfter, isRetryable } from './retry.js';
import { ENDED_STATUSES, type SucceededTask, type Task, type TaskStatus } from './schemas.js';

/** Told whenever the task's status changes. */
export interface ProgressEvent {
  taskId: string;
  status: TaskStatus;
  /** Milliseconds since the wait began. */
  elapsedMs: number;
  /** Successful polls so far (a status seen by a sweep of the task list is not a poll). */
  polls: number;
}

/** The gaps between polls: `initialMs`, growing by `factor` each poll up to `maxMs`, each with ±`jitter`. */
export interface PollSchedule {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of each gap randomized, so many waits started together spread out. */
  jitter: number;
}

/**
 * 1 s, growing by 1% per poll to 5 s (reached after about 7 minutes): a job of typical length (10–60 s)
 * is seen within about a second of its end, a long one costs ever fewer queries.
 */
export const DEFAULT_POLL_SCHEDULE: PollSchedule = {
  initialMs: 1_000,
  maxMs: 5_000,
  factor: 1.01,
  jitter: 0.1,
};

/** Default overall deadline of a wait: 15 minutes. */
export const DEFAULT_WAIT_TIMEOUT = 15 * 60_000;

/** What the wait needs from the outside world. */
export interface WaitDeps {
  /** One query of the task; `signal` aborts it. */
  fetchTask: (signal: AbortSignal) => Promise<Task>;
  time: Pick<Time, 'now' | 'sleep'>;
  random: () => number;
  logger?: Logger | undefined;
  /** Bulk end detection; without one, the wait polls on its own schedule only. */
  detector?: EndDetector | undefined;
  /** Aborts the wait like the caller's signal does (the client closing). */
  closed?: AbortSignal | undefined;
  /** Upper bound of a server's `Retry-After` honored between polls, ms. Default: none. */
  maxRetryDelay?: number | undefined;
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
  /** When the task was submitted (epoch ms), if known: end detection covers it from the start. */
  submittedAt?: number | undefined;
}

/** The reason a wait's signal aborts with when its deadline passes. */
const DEADLINE: unique symbol = Symbol('deadline');
/** The reason a signal aborts with once what it guarded is over, to cancel the sleeps it holds. */
const SETTLED: unique symbol = Symbol('settled');

/** Polls until the task ends; resolves with the succeeded task or rejects with the SDK's typed error. */
export async function waitForTask(deps: WaitDeps, options: WaitOptions): Promise<SucceededTask> {
  const { time, detector, logger } = deps;
  const { taskId, onProgress } = options;
  const schedule = options.schedule ?? DEFAULT_POLL_SCHEDULE;
  const timeoutMs = options.timeout === undefined ? DEFAULT_WAIT_TIMEOUT : options.timeout;
  const started = time.now();
  const deadline = timeoutMs === null ? Number.POSITIVE_INFINITY : started + timeoutMs;
  const life = linkAbort(options.signal, deps.closed);
  let lastStatus: TaskStatus | undefined;
  let polls = 0;
  let gap = schedule.initialMs;
  let lastPollAt = started;
  let dueAt = started + (options.firstPollAfterMs ?? 0);
  /** A sweep saw the task end: poll now, then on the wait's own schedule until the poll agrees. */
  let endSighted = false;
  let wake: (() => void) | undefined;
  let unwatch: (() => void) | undefined;
  // Made on the first unknown status only: most waits never see one.
  let unrecognizedSeen: Set<string> | undefined;

  const report = (status: TaskStatus) => {
    if (status === lastStatus) return;
    lastStatus = status;
    onProgress?.({ taskId, status, elapsedMs: Math.round(time.now() - started), polls });
  };
  const onSighting = (sighting: TaskSighting) => {
    // A sweep's listing may be older than the wait's last poll: a task never goes back to PENDING.
    if (sighting.status === 'PENDING' && lastStatus !== undefined && lastStatus !== 'PENDING') return;
    report(sighting.status);
    if (!ENDED_STATUSES.has(sighting.status) || endSighted) return;
    endSighted = true;
    dueAt = Math.min(dueAt, time.now());
    wake?.();
  };
  const watch = (submittedAt: number | undefined) => {
    if (detector && submittedAt !== undefined) unwatch = detector.watch(taskId, submittedAt, onSighting);
  };

  /**
   * Sleeps until the next poll is due; a sighting of the end cuts it short. The sleep cut short runs on
   * until its time (at most `maxMs`) and resolves into nothing; the wait's end aborts it at once.
   */
  const napUntilDue = async () => {
    for (;;) {
      const backstop = unwatch && !endSighted ? (detector?.backstopMs() ?? 0) : 0;
      const due = backstop > 0 ? Math.max(dueAt, lastPollAt + backstop) : dueAt;
      const ms = due - time.now();
      if (ms <= 0) return;
      // Relying on sweeps, look again every `maxMs`: if they stop, the wait's own schedule resumes.
      // Never past the deadline: an idle wait needs no timer of its own for it.
      const napMs = Math.min(backstop > 0 ? Math.min(ms, schedule.maxMs) : ms, deadline - time.now());
      if (napMs <= 0) return;
      await new Promise<void>((resolve, reject) => {
        wake = resolve;
        time.sleep(napMs, life.signal).then(resolve, reject);
      });
      wake = undefined;
    }
  };

  /** One poll; the deadline aborts it even while it hangs (a timer only while the poll is out). */
  const poll = async (): Promise<Task> => {
    if (!Number.isFinite(deadline)) return deps.fetchTask(life.signal);
    const out = linkAbort(life.signal);
    time.sleep(deadline - time.now(), out.signal).then(
      () => life.abort(DEADLINE),
      () => {},
    );
    try {
      return await deps.fetchTask(out.signal);
    } finally {
      out.abort(SETTLED);
      out.release();
    }
  };

  try {
    life.signal.throwIfAborted();
    watch(options.submittedAt);
    for (;;) {
      await napUntilDue();
      // A deadline the clock has passed counts even if its timer has not fired yet (a busy event loop).
      if (time.now() >= deadline) life.abort(DEADLINE);
      life.signal.throwIfAborted();
      let task: Task;
      try {
        task = await poll();
      } catch (error) {
        if (life.signal.aborted || !isRetryable(error, 'idempotent')) throw error;
        logger?.debug('poll failed; will poll again', { taskId, error: String(error) });
        lastPollAt = time.now();
        const asked = clampedRetryAfter(error, deps.maxRetryDelay) ?? 0;
        dueAt = lastPollAt + Math.max(asked, nextGap());
        continue;
      }
      polls++;
      lastPollAt = time.now();
      if (task.status === 'UNRECOGNIZED' && !unrecognizedSeen?.has(task.rawStatus)) {
        unrecognizedSeen ??= new Set();
        unrecognizedSeen.add(task.rawStatus);
        logger?.debug('unrecognized task status; still waiting', { taskId, status: task.rawStatus });
      }
      report(task.status);
      if (ENDED_STATUSES.has(task.status) && unwatch && !endSighted)
        detector?.missed(taskId, parseBeijingTime(task.endTime));
      const final = settle(task);
      if (final) return final;
      if (!unwatch) watch(parseBeijingTime(task.submitTime));
      dueAt = lastPollAt + nextGap();
    }
  } catch (error) {
    if (options.signal?.aborted)
      throw new AbortError('The wait was aborted', { cause: options.signal.reason });
    if (life.signal.reason === DEADLINE) {
      const seen = lastStatus ?? options.initialStatus;
      throw new WaitTimeoutError({ taskId, lastStatus: seen, timeoutMs: timeoutMs ?? 0 });
    }
    if (deps.closed?.aborted)
      throw new AbortError('The client was closed while waiting for the task', { cause: deps.closed.reason });
    throw error;
  } finally {
    unwatch?.();
    life.abort(SETTLED);
    life.release();
  }

  /** The next gap of the backoff, jittered; the gap after it grows by `factor`. */
  function nextGap(): number {
    const { jitter } = schedule;
    const jittered = Math.round(gap * (1 - jitter + 2 * jitter * deps.random()));
    gap = Math.min(gap * schedule.factor, schedule.maxMs);
    return jittered;
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
