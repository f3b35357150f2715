/**
 * The mechanism under the scheduler: two heaps on one timer. Tickets (queries) are served in order of
 * due time when the budget has a token; alarms (the waits' deadlines) fire at their time without one.
 * The single timer is armed for the earliest alarm, or the earliest ticket (or the next token when that
 * ticket is already due); with nothing queued, no timer exists.
 */
import { type Clock, systemClock } from '../internal/time.js';
import type { AdaptiveBudget } from './budget.js';
import { type HeapItem, MinHeap } from './heap.js';

/** Time as the scheduler sees it: a monotonic clock, the wall clock, and one-shot timers. */
export interface SchedulerTime {
  clock: Clock;
  /** Epoch ms, to place list windows in DashScope's time. */
  wallNow: () => number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clocks and `setTimeout`. The timer is not unref'd: a pending wait must keep the process alive. */
export const systemSchedulerTime: SchedulerTime = {
  clock: systemClock,
  wallNow: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A queued query; `owner` is the wait it is for (undefined for a list query). */
export interface Ticket<Owner> extends HeapItem {
  owner: Owner | undefined;
  grant(): void;
  /** Rejects the ticket's promise (the queue was closed). */
  fail(reason: unknown): void;
}

/** Something that holds at most one queued ticket at a time. */
export interface TicketOwner<Owner> {
  ticket: Ticket<Owner> | undefined;
}

interface Alarm extends HeapItem {
  fire(): void;
  fail(reason: unknown): void;
}

/**
 * Tickets and alarms on one timer. `beforePump` runs first on every turn (the scheduler's mode check);
 * `onGrant` is told of each ticket served (the scheduler counts them there rather than chaining a
 * `.then` on every waiting job's promise).
 */
export class TicketQueue<Owner extends TicketOwner<Owner>> {
  readonly #time: SchedulerTime;
  readonly #budget: AdaptiveBudget;
  readonly #beforePump: (now: number) => void;
  readonly #onGrant: (ticket: Ticket<Owner>) => void;
  readonly #tickets = new MinHeap<Ticket<Owner>>();
  readonly #alarms = new MinHeap<Alarm>();
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  /** Set by {@link close}: every queued and future ticket and alarm rejects with it. */
  #closedWith: { reason: unknown } | undefined;

  constructor(
    time: SchedulerTime,
    budget: AdaptiveBudget,
    beforePump: (now: number) => void,
    onGrant: (ticket: Ticket<Owner>) => void,
  ) {
    this.#time = time;
    this.#budget = budget;
    this.#beforePump = beforePump;
    this.#onGrant = onGrant;
  }

  /** Whether the timer is armed. */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** Every queued ticket, in no order; change `due`s then call {@link rebuild}. */
  tickets(): readonly Ticket<Owner>[] {
    return this.#tickets.items();
  }

  rebuild(): void {
    this.#tickets.rebuild();
  }

  /** Moves a queued ticket to `due`. */
  reschedule(ticket: Ticket<Owner>, due: number): void {
    ticket.due = due;
    this.#tickets.update(ticket);
  }

  /** Drops `owner`'s queued ticket, if any (its promise then never settles: the owner is gone). */
  drop(owner: Owner): void {
    if (owner.ticket) this.#tickets.remove(owner.ticket);
    owner.ticket = undefined;
    this.pump();
  }

  /**
   * Rejects every queued ticket and alarm with `reason`, and every later one at once; disarms the
   * timer. After it, nothing this queue hands out can keep a wait (or the process) alive.
   */
  close(reason: unknown): void {
    if (this.#closedWith) return;
    this.#closedWith = { reason };
    for (let ticket = this.#tickets.pop(); ticket; ticket = this.#tickets.pop()) ticket.fail(reason);
    for (let alarm = this.#alarms.pop(); alarm; alarm = this.#alarms.pop()) alarm.fail(reason);
    this.#arm(this.#time.clock.now());
  }

  /** Resolves once a ticket due at `due` is served with a token; rejects with `signal.reason` on abort. */
  take(due: number, signal: AbortSignal, owner?: Owner): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#closedWith) return reject(this.#closedWith.reason);
      if (signal.aborted) return reject(signal.reason);
      const ticket = new QueuedTicket(due, owner, signal, resolve, reject, this.#onTicketAborted);
      signal.addEventListener('abort', ticket, { once: true });
      if (owner) owner.ticket = ticket;
      this.#tickets.push(ticket);
      this.pump();
    });
  }

  readonly #onTicketAborted = (ticket: Ticket<Owner>): void => {
    this.#tickets.remove(ticket);
    this.pump();
  };

  /** A sleep on the one timer. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#closedWith) return reject(this.#closedWith.reason);
      if (signal?.aborted) return reject(signal.reason);
      const alarm = new SleepAlarm(
        this.#time.clock.now() + Math.max(0, ms),
        signal,
        resolve,
        reject,
        this.#onAlarmAborted,
      );
      signal?.addEventListener('abort', alarm, { once: true });
      this.#alarms.push(alarm);
      this.pump();
    });
  }

  readonly #onAlarmAborted = (alarm: Alarm): void => {
    this.#alarms.remove(alarm);
    this.pump();
  };

  /** Fires due alarms, grants every due ticket the budget allows, then re-arms the one timer. */
  pump(): void {
    const now = this.#time.clock.now();
    this.#beforePump(now);
    for (let alarm = this.#alarms.peek(); alarm && alarm.due <= now; alarm = this.#alarms.peek()) {
      this.#alarms.pop();
      alarm.fire();
    }
    for (let ticket = this.#tickets.peek(); ticket && ticket.due <= now; ticket = this.#tickets.peek()) {
      if (!this.#budget.take()) break;
      this.#tickets.pop();
      this.#onGrant(ticket);
      ticket.grant();
    }
    this.#arm(now);
  }

  #arm(now: number): void {
    let at = this.#alarms.peek()?.due ?? Number.POSITIVE_INFINITY;
    const ticket = this.#tickets.peek();
    if (ticket) at = Math.min(at, Math.max(ticket.due, now + this.#budget.nextTokenIn()));
    if (at === this.#timerAt && this.#timer !== undefined) return;
    if (this.#timer !== undefined) this.#time.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (!Number.isFinite(at)) return;
    this.#timer = this.#time.setTimer(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, Math.ceil(at - now)),
    );
  }
}

/**
 * A queued ticket, and its own abort listener (`handleEvent`): one object per waiting query instead
 * of a ticket plus two closures, which 1,000 waiting jobs each hold while queued.
 */
class QueuedTicket<Owner extends TicketOwner<Owner>> implements Ticket<Owner> {
  due: number;
  seq = 0;
  heapIndex = -1;
  readonly owner: Owner | undefined;
  readonly #signal: AbortSignal;
  readonly #resolve: () => void;
  readonly #reject: (reason: unknown) => void;
  readonly #onAborted: (ticket: Ticket<Owner>) => void;

  constructor(
    due: number,
    owner: Owner | undefined,
    signal: AbortSignal,
    resolve: () => void,
    reject: (reason: unknown) => void,
    onAborted: (ticket: Ticket<Owner>) => void,
  ) {
    this.due = due;
    this.owner = owner;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#onAborted = onAborted;
  }

  grant(): void {
    this.#signal.removeEventListener('abort', this);
    if (this.owner) this.owner.ticket = undefined;
    this.#resolve();
  }

  fail(reason: unknown): void {
    this.#signal.removeEventListener('abort', this);
    if (this.owner) this.owner.ticket = undefined;
    this.#reject(reason);
  }

  /** The signal aborted: leave the queue and reject. */
  handleEvent(): void {
    if (this.owner) this.owner.ticket = undefined;
    this.#reject(this.#signal.reason);
    this.#onAborted(this);
  }
}

/**
 * A sleeping wait's alarm, and its own abort listener (`handleEvent`): one object per wait's deadline
 * instead of an alarm plus three closures.
 */
class SleepAlarm implements Alarm {
  due: number;
  seq = 0;
  heapIndex = -1;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: () => void;
  readonly #reject: (reason: unknown) => void;
  readonly #onAborted: (alarm: Alarm) => void;

  constructor(
    due: number,
    signal: AbortSignal | undefined,
    resolve: () => void,
    reject: (reason: unknown) => void,
    onAborted: (alarm: Alarm) => void,
  ) {
    this.due = due;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#onAborted = onAborted;
  }

  fire(): void {
    this.#signal?.removeEventListener('abort', this);
    this.#resolve();
  }

  fail(reason: unknown): void {
    this.#signal?.removeEventListener('abort', this);
    this.#reject(reason);
  }

  /** The signal aborted: leave the heap and reject. */
  handleEvent(): void {
    this.#reject(this.#signal?.reason);
    this.#onAborted(this);
  }
}
