/**
 * The scheduler's bookkeeping of open waits: what each one knows of its task, found by task id (a
 * sweep reports ids), and the few aggregates the scheduler needs (how many, how many sweeps cover,
 * the oldest submit, the earliest start).
 */
import type { Task } from '../schemas.js';
import { parseTaskTime } from './estimator.js';
import type { TaskTrack } from './planner.js';

/** One open wait, as the scheduler sees it. Times are monotonic ms unless named `Wall`. */
export interface WaitTrack<Ticket> extends TaskTrack {
  taskId: string;
  /** Wall-clock submit time (epoch ms), once known: the wait is then covered by sweeps. */
  submittedWall: number | undefined;
  /** A sweep saw the task end at this time: poll it now. */
  endedAt: number | undefined;
  /** No poll before this (the server's `Retry-After`). */
  retryUntil: number;
  /** When the wait's own backoff would poll next. */
  suggestedAt: number;
  /** Its queued poll, while it has one. */
  ticket: Ticket | undefined;
  /** Its times have been fed to the estimator. */
  learned: boolean;
}

/** The open waits, by task id (two waits on one task are two tracks). */
export class WaitTracks<Ticket> {
  readonly #byTask = new Map<string, Set<WaitTrack<Ticket>>>();
  #size = 0;
  #covered = 0;

  /** Open waits. */
  get size(): number {
    return this.#size;
  }

  /** Open waits whose submit time is known, so sweeps can see their tasks. */
  get covered(): number {
    return this.#covered;
  }

  open(taskId: string, now: number, submittedAt: number | undefined): WaitTrack<Ticket> {
    const track: WaitTrack<Ticket> = {
      taskId,
      lastStatus: undefined,
      lastPendingAt: undefined,
      startedAt: undefined,
      submittedAt,
      submittedWall: undefined,
      endedAt: undefined,
      retryUntil: Number.NEGATIVE_INFINITY,
      suggestedAt: now,
      ticket: undefined,
      learned: false,
    };
    const tracks = this.#byTask.get(taskId) ?? new Set<WaitTrack<Ticket>>();
    this.#byTask.set(taskId, tracks);
    tracks.add(track);
    this.#size++;
    return track;
  }

  close(track: WaitTrack<Ticket>): void {
    const tracks = this.#byTask.get(track.taskId);
    if (!tracks?.delete(track)) return;
    if (tracks.size === 0) this.#byTask.delete(track.taskId);
    this.#size--;
    if (track.submittedWall !== undefined) this.#covered--;
  }

  /** Records the submit time (first one wins). */
  cover(track: WaitTrack<Ticket>, submittedWall: number): void {
    if (track.submittedWall !== undefined) return;
    track.submittedWall = submittedWall;
    this.#covered++;
  }

  /** The open waits on `taskId`. */
  of(taskId: string): Iterable<WaitTrack<Ticket>> {
    return this.#byTask.get(taskId) ?? [];
  }

  /** The oldest submit (wall clock) among covered waits. */
  oldestSubmit(): number | undefined {
    let oldest: number | undefined;
    for (const track of this.#all()) {
      const submitted = track.submittedWall;
      if (submitted !== undefined && (oldest === undefined || submitted < oldest)) oldest = submitted;
    }
    return oldest;
  }

  /** The earliest a covered task can have started (its start, else its submit); -∞ when unknown. */
  earliestStart(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const track of this.#all()) {
      if (track.submittedWall === undefined) continue;
      earliest = Math.min(earliest, track.startedAt ?? track.submittedAt ?? Number.NEGATIVE_INFINITY);
    }
    return Number.isFinite(earliest) ? earliest : Number.NEGATIVE_INFINITY;
  }

  *#all(): Generator<WaitTrack<Ticket>> {
    for (const tracks of this.#byTask.values()) yield* tracks;
  }
}

/** DashScope's times of a task, as epoch ms. */
export interface TaskTimes {
  submitted: number | undefined;
  scheduled: number | undefined;
  ended: number | undefined;
}

/**
 * Updates `track` with what one poll saw at `now`: its status, when it was last queued, and when it
 * started (relative to this client's submit when known, which needs no clock sync; else through the
 * wall clock). Returns the task's times.
 */
export function noteTask<T>(track: WaitTrack<T>, task: Task, now: number, wallNow: number): TaskTimes {
  const times: TaskTimes = {
    submitted: parseTaskTime(task.submitTime),
    scheduled: parseTaskTime(task.scheduledTime),
    ended: parseTaskTime(task.endTime),
  };
  track.retryUntil = Number.NEGATIVE_INFINITY;
  track.lastStatus = task.status;
  if (task.status === 'PENDING') track.lastPendingAt = now;
  else if (track.startedAt === undefined && times.scheduled !== undefined) {
    track.startedAt =
      track.submittedAt !== undefined && times.submitted !== undefined
        ? track.submittedAt + (times.scheduled - times.submitted)
        : Math.min(now, now - (wallNow - times.scheduled));
  }
  return times;
}
