/**
 * When one task should be polled next, as pure arithmetic: the scheduler hands in what it knows of the
 * task and of jobs in general, and gets a due time back. Polls go where an end is likely.
 */
import type { RunWindow } from './estimator.js';

/** Never skip ahead further than this on an estimate: a wrong guess costs at most this much lag. */
export const MAX_SKIP_MS = 30_000;

/** What the scheduler knows about one waiting task, times on the monotonic clock. */
export interface TaskTrack {
  /** Last status seen by a poll; undefined before the first one. */
  lastStatus: string | undefined;
  /** When a poll last saw it `PENDING`. */
  lastPendingAt: number | undefined;
  /** When it started running (estimated from its times), once a poll saw it started. */
  startedAt: number | undefined;
  /** When it was submitted, if this client submitted it. */
  submittedAt: number | undefined;
}

/** Everything a plan depends on. */
export interface PlanInput {
  now: number;
  /** The wait's own backoff: when it would poll next on its own (includes any `Retry-After`). */
  suggestedAt: number;
  /** The dense gap used where an end is likely, jitter applied. */
  denseGapMs: number;
  /** The smallest gap the budget allows each of the waiting tasks (waits ÷ rate). */
  fairGapMs: number;
  window: RunWindow;
  track: TaskTrack;
}

/**
 * The next poll of a task polled on its own:
 * - before its first poll, when the wait asks, but not before the shortest run seen has passed since
 *   it was submitted;
 * - while `PENDING`: it cannot end before it starts and then runs the shortest run seen, so skip that;
 * - while running, before the shortest run has passed since it started: skip to that point;
 * - inside the likely window: every dense gap (1 s by default), which bounds the detection lag;
 * - in the long tail beyond the window: the wait's own backoff, growing to its maximum gap.
 * After the first poll, never sooner than the fair share of the budget allows.
 */
export function planPoll(input: PlanInput): number {
  const { now, suggestedAt, denseGapMs, fairGapMs, window, track } = input;
  let due: number;
  if (track.lastStatus === undefined) {
    // A task cannot end before it has run at least the shortest run seen (its queue time only adds).
    // The first poll keeps its place in line: no fair-share delay, so the most overdue goes first.
    const skip = Math.min(window.earliestMs, MAX_SKIP_MS);
    return track.submittedAt === undefined ? suggestedAt : Math.max(suggestedAt, track.submittedAt + skip);
  } else if (track.lastStatus === 'PENDING') {
    const skip = Math.min(window.earliestMs, MAX_SKIP_MS);
    due = now + Math.max(denseGapMs, skip);
  } else if (track.startedAt !== undefined) {
    const earliestEnd = track.startedAt + window.earliestMs;
    const latestEnd = track.startedAt + window.latestMs;
    if (earliestEnd > now + denseGapMs) due = Math.min(earliestEnd, now + MAX_SKIP_MS);
    else if (now <= latestEnd) due = now + denseGapMs;
    else due = suggestedAt;
  } else {
    due = Math.min(suggestedAt, now + denseGapMs);
  }
  return Math.max(due, now + fairGapMs);
}
