/**
 * One poll scheduler per client: every wait of the client asks it for its polls, so together they
 * stay inside DashScope's per-account query limit. Each wait's next poll has a due time (its own
 * plan); the scheduler keeps them in one heap and serves the most overdue first whenever the budget
 * has a token. One timer, armed for the earliest due time or the next token, drives everything; when
 * no wait remains, no timer exists. With many waits, a list sweep detects ends in bulk and wakes the
 * waits whose tasks ended, so each of those needs only one detail query.
 */
import type { TaskListItem } from '../endpoints.js';
import { AbortError, RateLimitError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isRetryable } from '../retry.js';
import type { PollGate, PollOutcome, PollSchedule } from '../wait.js';
import { AdaptiveBudget } from './budget.js';
import { DurationEstimator } from './estimator.js';
import { type GateCallbacks, SchedulerGate } from './gate.js';
import { planPoll } from './planner.js';
import { type SchedulerTime, type Ticket, TicketQueue } from './queue.js';
import { ListSweeper, type ListTasks, WINDOW_MARGIN_MS } from './sweep.js';
import { noteTask, type WaitTrack as Track, WaitTracks } from './tracks.js';

export { type SchedulerTime, systemSchedulerTime } from './queue.js';

/** Options of {@link PollScheduler}. */
export interface PollSchedulerOptions {
  /** Queries per second for this client (DashScope allows 20 per account). */
  pollBudget: number;
  schedule: PollSchedule;
  time: SchedulerTime;
  random: () => number;
  /** The list endpoint; without it every task is polled on its own. */
  listTasks?: ListTasks | undefined;
  logger?: Logger | undefined;
  /** Waits needed before sweeps replace single polls. Default 2: one listing then costs what one poll does. */
  bulkThreshold?: number | undefined;
}

/** What the scheduler has sent, for tests and benchmarks. */
export interface SchedulerStats {
  polls: number;
  lists: number;
  throttled: number;
}

/** Statuses a listed task has ended in. */
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN']);

/** Share of the budget sweeps may use; the rest is for the detail queries they lead to. */
const LIST_SHARE = 0.5;
/** After the list endpoint fails (other than throttling), poll singly for this long. */
const LIST_COOLDOWN_MS = 5 * 60_000;
/** In bulk mode a task is still polled on its own this often, for ends no sweep reports (expiry). */
const SAFETY_GAP_MS = 60_000;

type WaitTrack = Track<Ticket<WaitTrack>>;

export class PollScheduler {
  readonly #options: PollSchedulerOptions;
  readonly #time: SchedulerTime;
  readonly #budget: AdaptiveBudget;
  readonly #estimator = new DurationEstimator();
  readonly #queue: TicketQueue<WaitTrack>;
  readonly #waits = new WaitTracks<Ticket<WaitTrack>>();
  readonly #sweeper: ListSweeper | undefined;
  readonly #stats: SchedulerStats = { polls: 0, lists: 0, throttled: 0 };
  #bulk = false;
  #sweep: AbortController | undefined;
  #nextSweepAt = Number.NEGATIVE_INFINITY;
  #listBrokenUntil = Number.NEGATIVE_INFINITY;
  #lastSweepWall = Number.NEGATIVE_INFINITY;
  /** Shared by every gate this scheduler opens. */
  readonly #gateCallbacks: GateCallbacks<WaitTrack> = {
    acquire: (track, dueAt, signal) => this.#acquire(track, dueAt, signal),
    observe: (track, outcome) => this.#observe(track, outcome),
    release: (track) => this.#release(track),
  };

  constructor(options: PollSchedulerOptions) {
    this.#options = options;
    this.#time = options.time;
    this.#budget = new AdaptiveBudget({ perSecond: options.pollBudget, now: () => this.#now() });
    this.#sweeper = options.listTasks ? new ListSweeper(options.listTasks) : undefined;
    this.#queue = new TicketQueue(
      options.time,
      this.#budget,
      (now) => this.#updateMode(now),
      // A ticket with an owner is a wait's poll; one without is a sweep's list query.
      (ticket) => {
        if (ticket.owner) this.#stats.polls++;
        else this.#stats.lists++;
      },
    );
  }

  /** Counters of what was sent. */
  get stats(): SchedulerStats {
    return { ...this.#stats };
  }

  /** Whether any timer is armed (for leak tests). */
  get armed(): boolean {
    return this.#queue.armed;
  }

  /**
   * A gate for one wait. `submittedWall` (epoch ms) is known when this client just submitted the task;
   * it lets sweeps cover the task before its first poll.
   */
  open(taskId: string, submittedWall?: number): PollGate {
    const now = this.#now();
    const submittedAt =
      submittedWall === undefined ? undefined : now - Math.max(0, this.#time.wallNow() - submittedWall);
    const track = this.#waits.open(taskId, now, submittedAt);
    if (submittedWall !== undefined) this.#waits.cover(track, submittedWall);
    return new SchedulerGate(this.#gateCallbacks, track);
  }

  /** A sleep on the scheduler's one timer, for the waits' deadlines. */
  sleep = (ms: number, signal?: AbortSignal): Promise<void> => this.#queue.sleep(ms, signal);

  /** The wall clock the scheduler places list windows with (epoch ms). */
  wallNow(): number {
    return this.#time.wallNow();
  }

  /** Counts a query sent outside the scheduler (a user's `getTask`) against the budget. */
  debit(): void {
    this.#budget.debit();
  }

  /** Stops sweeping and ends every open wait with an `AbortError`; later waits end at once. */
  close(): void {
    this.#sweep?.abort(new Error('scheduler closed'));
    this.#listBrokenUntil = Number.POSITIVE_INFINITY;
    // Open waits end now rather than polling a closed connection pool until their deadlines.
    this.#queue.close(new AbortError('The client was closed while waiting for the task'));
  }

  #now(): number {
    return this.#time.clock.now();
  }

  #acquire(track: WaitTrack, suggestedAt: number, signal: AbortSignal): Promise<void> {
    track.suggestedAt = suggestedAt;
    return this.#queue.take(this.#plan(track), signal, track);
  }

  #plan(track: WaitTrack): number {
    const now = this.#now();
    if (track.endedAt !== undefined) return Math.max(track.endedAt, track.retryUntil);
    let due: number;
    if (this.#bulk && track.submittedWall !== undefined) {
      due = Math.max(track.suggestedAt, now + this.#safetyGapMs());
    } else {
      const { initialMs, jitter } = this.#options.schedule;
      const spread = 1 - jitter + 2 * jitter * this.#options.random();
      const rate = this.#budget.rate;
      due = planPoll({
        now,
        suggestedAt: track.suggestedAt,
        denseGapMs: initialMs * spread,
        fairGapMs: Number.isFinite(rate) ? (this.#waits.size / rate) * 1000 : 0,
        window: this.#estimator.runWindow(),
        track,
      });
    }
    return Math.max(due, track.retryUntil);
  }

  #safetyGapMs(): number {
    return Math.max(SAFETY_GAP_MS, (this.#waits.covered / (0.05 * this.#budget.rate)) * 1000);
  }

  #observe(track: WaitTrack, outcome: PollOutcome): void {
    const now = this.#now();
    const woken = track.endedAt !== undefined;
    track.endedAt = undefined;
    if (!outcome.ok) {
      const error = outcome.error;
      if (error instanceof RateLimitError && isRetryable(error, 'idempotent')) {
        this.#stats.throttled++;
        this.#budget.throttled(error.retryAfterMs);
        track.retryUntil = now + (error.retryAfterMs ?? 0);
      }
      return;
    }
    const task = outcome.task;
    const { submitted, scheduled, ended } = noteTask(track, task, now, this.#time.wallNow());
    if (submitted !== undefined) this.#waits.cover(track, submitted);
    if (task.status !== 'SUCCEEDED' && task.status !== 'FAILED') return;
    if (!track.learned) {
      track.learned = true;
      this.#estimator.observe({ submittedAt: submitted, startedAt: scheduled, endedAt: ended });
    }
    // A sweep that began well after this task ended should have reported it. If it did not, the list
    // endpoint does not see what the single query sees (another window, another clock): stop trusting it.
    if (!woken && ended !== undefined && ended < this.#lastSweepWall - WINDOW_MARGIN_MS / 12) {
      this.#listBrokenUntil = Number.POSITIVE_INFINITY;
      this.#options.logger?.debug('the task list missed an ended task; polling tasks singly from now on', {
        taskId: track.taskId,
      });
    }
  }

  /** One sweep after another while in bulk mode; ends when bulk mode does, or on a failure. */
  async #runSweep(): Promise<void> {
    const sweeper = this.#sweeper;
    if (!sweeper) return;
    const controller = new AbortController();
    this.#sweep = controller;
    try {
      for (;;) {
        const due = Math.max(this.#nextSweepAt, this.#earliestEnd());
        const startedWall = this.#time.wallNow();
        const queries = await sweeper.run(
          {
            token: (signal) => this.#queue.take(due, signal),
            oldestSubmit: () => this.#waits.oldestSubmit(),
            covered: () => this.#waits.covered,
            ended: (item) => this.#ended(item),
          },
          controller.signal,
        );
        this.#lastSweepWall = startedWall;
        const gap = (queries * 1000) / (LIST_SHARE * this.#budget.rate);
        this.#nextSweepAt = this.#now() + Math.max(this.#options.schedule.initialMs, gap);
        if (queries === 0) break;
      }
    } catch (error) {
      if (!controller.signal.aborted) this.#listFailed(error);
    } finally {
      if (this.#sweep === controller) this.#sweep = undefined;
      this.#queue.pump();
    }
  }

  #listFailed(error: unknown): void {
    if (error instanceof RateLimitError && isRetryable(error, 'idempotent')) {
      this.#stats.throttled++;
      this.#budget.throttled(error.retryAfterMs);
      return;
    }
    this.#listBrokenUntil = this.#now() + LIST_COOLDOWN_MS;
    this.#options.logger?.debug('task list failed; polling tasks singly for a while', {
      error: String(error),
    });
  }

  /** No covered task can end before this (monotonic): sweeping sooner would find nothing. */
  #earliestEnd(): number {
    return this.#waits.earliestStart() + this.#estimator.runWindow().earliestMs;
  }

  /** A sweep listed an ended task: its waits poll it next, ahead of everything due later than its end. */
  #ended(item: TaskListItem): void {
    if (!ENDED.has(item.status)) return;
    const tracks = this.#waits.of(item.taskId);
    const now = this.#now();
    const endedAt =
      item.endedAt === undefined ? now : Math.min(now, now - (this.#time.wallNow() - item.endedAt));
    for (const track of tracks) {
      if (track.endedAt !== undefined) continue;
      track.endedAt = endedAt;
      if (!track.learned) {
        track.learned = true;
        this.#estimator.observe({
          submittedAt: item.submittedAt,
          startedAt: item.startedAt,
          endedAt: item.endedAt,
        });
      }
      if (track.ticket) this.#queue.reschedule(track.ticket, Math.max(endedAt, track.retryUntil));
    }
  }

  #release(track: WaitTrack): void {
    this.#waits.close(track);
    this.#queue.drop(track);
  }

  /** Bulk mode: enough covered waits, a list endpoint, and no recent failure of it. */
  #updateMode(now: number): void {
    const bulk =
      this.#sweeper !== undefined &&
      now >= this.#listBrokenUntil &&
      this.#waits.covered >= (this.#options.bulkThreshold ?? 2);
    if (bulk !== this.#bulk) {
      this.#bulk = bulk;
      // Every queued poll was planned for the other mode.
      for (const ticket of this.#queue.tickets()) if (ticket.owner) ticket.due = this.#plan(ticket.owner);
      this.#queue.rebuild();
    }
    if (bulk && !this.#sweep) void this.#runSweep();
    if (!bulk && this.#sweep) this.#sweep.abort(new Error('bulk mode ended'));
  }
}
