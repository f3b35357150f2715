import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskListItem, TaskListPage, TaskListQuery } from '../../src/endpoints.js';
import {
  AbortError,
  AuthenticationError,
  InternalServerError,
  RateLimitError,
  WaitTimeoutError,
} from '../../src/errors.js';
import { AdaptiveBudget } from '../../src/polling/budget.js';
import { MinHeap } from '../../src/polling/heap.js';
import { JobSlots } from '../../src/polling/job-slots.js';
import { PollScheduler, type SchedulerTime } from '../../src/polling/scheduler.js';
import type { Task } from '../../src/schemas.js';
import { type PollSchedule, waitForTask } from '../../src/wait.js';

const schedule: PollSchedule = { initialMs: 1_000, maxMs: 5_000, factor: 1.25, jitter: 0 };
/** Wall clock = fake time + this, so list windows have a plausible date. */
const EPOCH = Date.UTC(2025, 11, 26, 3, 0, 0);

const time: SchedulerTime = {
  clock: { now: () => Date.now() },
  wallNow: () => Date.now() + EPOCH,
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function scheduler(options: Partial<ConstructorParameters<typeof PollScheduler>[0]> = {}) {
  return new PollScheduler({ pollBudget: 20, schedule, time, random: () => 0.5, ...options });
}

function task(taskId: string, status: string, extra: Partial<Task> = {}): Task {
  const base = { taskId, requestId: 'r', rawStatus: status, status };
  const done =
    status === 'SUCCEEDED' ? { videoUrl: 'https://v/x.mp4', videoDuration: 2, videoRatio: 's' } : {};
  return { ...base, ...done, ...extra } as Task;
}

/** A fake DashScope: each task ends SUCCEEDED at `endsAt` (fake ms); records every poll. */
function fakeService(endsAt: Record<string, number>) {
  const polls: Array<{ taskId: string; at: number }> = [];
  const fetchFor = (taskId: string) => async (): Promise<Task> => {
    polls.push({ taskId, at: Date.now() });
    return task(taskId, Date.now() >= (endsAt[taskId] ?? Number.POSITIVE_INFINITY) ? 'SUCCEEDED' : 'RUNNING');
  };
  return { polls, fetchFor };
}

function wait(s: PollScheduler, taskId: string, fetchTask: () => Promise<Task>, extra = {}) {
  return waitForTask(
    { fetchTask, clock: time.clock, sleep: s.sleep, random: () => 0.5, gate: s.open(taskId) },
    { taskId, schedule, timeout: null, ...extra },
  );
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  expect(vi.getTimerCount()).toBe(0); // no waits left, so no timer
  vi.useRealTimers();
});

describe('PollScheduler', () => {
  it('serves a hundred waits from one timer and stays inside the budget', async () => {
    const s = scheduler({ pollBudget: 10 });
    const ends = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, 30_000]));
    const service = fakeService(ends);
    const waits = Object.keys(ends).map((id) => wait(s, id, service.fetchFor(id), { timeout: 120_000 }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(1);
    await vi.runAllTimersAsync();
    await Promise.all(waits);
    // In every 1 s window: 90% of the budget plus a burst of the other 10%, never more than the budget.
    for (let from = 0; from < 120_000; from += 250) {
      const inWindow = service.polls.filter((p) => p.at >= from && p.at < from + 1_000).length;
      expect(inWindow).toBeLessThanOrEqual(10);
    }
    expect(s.armed).toBe(false);
  });

  it('serves the most overdue poll first', async () => {
    const s = scheduler({ pollBudget: 1 }); // one token a little over every second
    const order: string[] = [];
    const fetchFor = (id: string) => async () => {
      order.push(id);
      return task(id, 'SUCCEEDED');
    };
    const late = wait(s, 'late', fetchFor('late'), { firstPollAfterMs: 3_000 });
    const early = wait(s, 'early', fetchFor('early'), { firstPollAfterMs: 100 });
    const mid = wait(s, 'mid', fetchFor('mid'), { firstPollAfterMs: 200 });
    await vi.runAllTimersAsync();
    await Promise.all([late, early, mid]);
    expect(order).toEqual(['early', 'mid', 'late']);
  });

  it('polls densely once the task runs, and skips what learned run times rule out', async () => {
    const s = scheduler();
    // Teach it: three jobs that each ran 10 s.
    for (const id of ['a', 'b', 'c']) {
      const times = { submitTime: '2025-12-26 11:00:00.000', scheduledTime: '2025-12-26 11:00:02.000' };
      const done = task(id, 'SUCCEEDED', { ...times, endTime: '2025-12-26 11:00:12.000' });
      const taught = wait(s, id, async () => done);
      await vi.runAllTimersAsync();
      await taught;
    }
    const t0 = Date.now(); // teaching spent a little of the budget's time
    const { polls, fetchFor } = fakeService({ next: t0 + 9_550 });
    const pending = fetchFor('next');
    let first = true;
    const done = wait(s, 'next', async () => {
      if (!first) return pending();
      first = false;
      polls.push({ taskId: 'next', at: Date.now() });
      return task('next', 'PENDING');
    });
    await vi.runAllTimersAsync();
    await done;
    // PENDING at 0: it cannot end within 80% of the shortest run (8 s); then every second.
    const firstAt = polls[0]?.at ?? 0; // after the next token (teaching spent the burst)
    expect(firstAt - t0).toBeLessThan(100);
    expect(polls.map((p) => p.at - firstAt)).toEqual([0, 8_000, 9_000, 10_000]);
  });

  it('halves its rate on a 429 and waits what Retry-After asks', async () => {
    const s = scheduler();
    const throttled = new RateLimitError('slow', {
      status: 429,
      code: 'Throttling',
      requestId: 'r',
      retryAfterMs: 3_000,
    });
    const times: number[] = [];
    let calls = 0;
    const done = wait(s, 't', async () => {
      times.push(Date.now());
      if (calls++ === 0) throw throttled;
      return task('t', 'SUCCEEDED');
    });
    await vi.runAllTimersAsync();
    await done;
    expect(times).toEqual([0, 3_000]);
    expect(s.stats.throttled).toBe(1);
  });

  it('keeps the wait semantics: transient failures continue, fatal ones end, deadlines hold', async () => {
    const s = scheduler();
    const flaky = [new InternalServerError('x', { status: 503, code: 'E', requestId: 'r' })];
    const ok = wait(s, 'ok', async () => {
      const error = flaky.shift();
      if (error) throw error;
      return task('ok', 'SUCCEEDED');
    });
    const fatal = new AuthenticationError('bad key', { status: 401, code: 'InvalidApiKey', requestId: 'r' });
    const denied = wait(s, 'denied', async () => {
      throw fatal;
    });
    const stuck = wait(s, 'stuck', async () => task('stuck', 'RUNNING'), { timeout: 4_500 });
    const outcomes = Promise.allSettled([ok, denied, stuck]);
    await vi.runAllTimersAsync();
    const [a, b, c] = await outcomes;
    expect(a).toMatchObject({ status: 'fulfilled' });
    expect(b).toMatchObject({ status: 'rejected', reason: fatal });
    expect(c.status === 'rejected' && c.reason).toBeInstanceOf(WaitTimeoutError);
    expect(Date.now()).toBe(4_500);
  });

  it('an abort leaves the queue at once and rejects with AbortError', async () => {
    const s = scheduler();
    const controller = new AbortController();
    const done = wait(s, 't', async () => task('t', 'RUNNING'), { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1_500);
    controller.abort(new Error('stop'));
    await expect(done).rejects.toBeInstanceOf(AbortError);
    expect(Date.now()).toBe(1_500);
    expect(s.armed).toBe(false);
  });
});

describe('bulk detection through the task list', () => {
  /** A list endpoint over `ends` (task id → fake ms it ends). */
  function listOf(ends: Record<string, number>, fail?: () => Error | undefined) {
    const queries: TaskListQuery[] = [];
    const listTasks = async (query: TaskListQuery): Promise<TaskListPage> => {
      queries.push(query);
      const error = fail?.();
      if (error) throw error;
      const ended = Object.entries(ends).filter(
        ([, at]) => (query.status ?? 'SUCCEEDED') === 'SUCCEEDED' && Date.now() >= at,
      );
      const items: TaskListItem[] = ended.map(([taskId, at]) => ({
        taskId,
        status: 'SUCCEEDED',
        submittedAt: EPOCH,
        startedAt: EPOCH + 1_000,
        endedAt: EPOCH + at,
      }));
      return { items, totalPages: 1 };
    };
    return { queries, listTasks };
  }

  function covered(s: PollScheduler, taskId: string, fetchTask: () => Promise<Task>) {
    return waitForTask(
      { fetchTask, clock: time.clock, sleep: s.sleep, random: () => 0.5, gate: s.open(taskId, EPOCH) },
      { taskId, schedule, timeout: null, firstPollAfterMs: 1_000 },
    );
  }

  it('fetches details only for tasks a sweep saw end', async () => {
    const ends = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 5_000 + i * 200]));
    const list = listOf(ends);
    const s = scheduler({ listTasks: list.listTasks });
    const service = fakeService(ends);
    const waits = Object.keys(ends).map((id) => covered(s, id, service.fetchFor(id)));
    await vi.runAllTimersAsync();
    await Promise.all(waits);
    expect(service.polls).toHaveLength(50); // one detail query per task, no blind polls
    for (const { taskId, at } of service.polls) expect(at - (ends[taskId] ?? 0)).toBeLessThanOrEqual(1_200);
    expect(list.queries[0]).toMatchObject({ startTime: '20251226105900', pageNo: 1, pageSize: 100 });
    expect(s.stats.lists).toBe(list.queries.length);
  });

  it('falls back to single polls when the list endpoint fails', async () => {
    const ends = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`t${i}`, 3_000]));
    const list = listOf(
      ends,
      () => new InternalServerError('no list', { status: 500, code: 'E', requestId: 'r' }),
    );
    const s = scheduler({ listTasks: list.listTasks });
    const service = fakeService(ends);
    const waits = Object.keys(ends).map((id) => covered(s, id, service.fetchFor(id)));
    await vi.runAllTimersAsync();
    await Promise.all(waits);
    expect(list.queries).toHaveLength(1);
    expect(Math.max(...service.polls.map((p) => p.at))).toBeLessThanOrEqual(4_100);
  });
});

describe('building blocks', () => {
  it('the heap pops in due order, FIFO on ties, and removes from the middle', () => {
    const heap = new MinHeap<{ due: number; seq: number; heapIndex: number; id: number }>();
    const items = Array.from({ length: 200 }, (_, id) => ({
      due: (id * 7919) % 50,
      seq: 0,
      heapIndex: -1,
      id,
    }));
    for (const item of items) heap.push(item);
    const removed = new Set(items.filter((_, i) => i % 3 === 0));
    for (const item of removed) expect(heap.remove(item)).toBe(true);
    const popped = [];
    for (let item = heap.pop(); item; item = heap.pop()) popped.push(item);
    const expected = items.filter((item) => !removed.has(item)).sort((a, b) => a.due - b.due || a.id - b.id);
    expect(popped.map((item) => item.id)).toEqual(expected.map((item) => item.id));
  });

  it('the budget halves on throttling, pauses for Retry-After, and recovers slowly', () => {
    const budget = new AdaptiveBudget({ perSecond: 20, now: () => Date.now() });
    expect(budget.rate).toBe(18);
    budget.throttled(2_000);
    expect(budget.rate).toBe(9);
    expect(budget.take()).toBe(false);
    expect(budget.nextTokenIn()).toBe(2_000);
    vi.advanceTimersByTime(10_000);
    expect(budget.rate).toBe(9); // no growth within 10 s of the last 429
    vi.advanceTimersByTime(5_000);
    budget.take();
    expect(budget.rate).toBeCloseTo(9 + 18 * 0.05 * 5, 5); // grows only after the quiet 10 s
  });

  it('job slots admit in order, and an aborted waiter leaves the line', async () => {
    const slots = new JobSlots(1);
    const first = await slots.acquire();
    const controller = new AbortController();
    const order: string[] = [];
    const aborted = slots.acquire(controller.signal).then(
      () => order.push('aborted one got in'),
      () => order.push('aborted'),
    );
    const second = slots.acquire().then((release) => {
      order.push('second');
      return release;
    });
    controller.abort();
    await aborted;
    expect(slots.waiting).toBe(1);
    first();
    first(); // releasing twice frees one slot only
    (await second)();
    expect(order).toEqual(['aborted', 'second']);
    expect(slots.inUse).toBe(0);
  });
});
