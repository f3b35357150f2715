/**
 * Waits on the in-process coordinator, on a fake clock: many waits share one budget, a sweep of the
 * task list detects ends in bulk and feeds every status it saw to the waits, and a failing list
 * hands detection back to the waits' own polls.
 */
import { describe, expect, it } from 'vitest';
import { InternalServerError, RateLimitError } from '../../src/errors.js';
import { createLocalBudget } from '../../src/polling/budget.js';
import type { AccountBudget } from '../../src/polling/ports.js';
import { createSweepingDetector } from '../../src/polling/sweep.js';
import type { Task } from '../../src/schemas.js';
import { type PollSchedule, type ProgressEvent, waitForTask } from '../../src/wait.js';
import { createFakeTime, type FakeTime } from '../helpers/fake-time.js';
import { mostInWindow } from '../polling/contract/account-budget.contract.js';
import { FakeTaskList } from '../polling/contract/end-detector.contract.js';

const schedule: PollSchedule = { initialMs: 1_000, maxMs: 5_000, factor: 1.25, jitter: 0 };

function task(taskId: string, status: string): Task {
  const done =
    status === 'SUCCEEDED' ? { videoUrl: 'https://v/x.mp4', videoDuration: 2, videoRatio: 's' } : {};
  return { taskId, requestId: 'r', rawStatus: status, status, ...done } as Task;
}

/** A fake DashScope over `list`: each poll spends a query token first, as the client's transport does. */
function service(time: FakeTime, budget: AccountBudget, list: FakeTaskList) {
  const polls: Array<{ taskId: string; at: number }> = [];
  const fetchFor = (taskId: string) => async (signal: AbortSignal) => {
    await budget.take('query', signal);
    polls.push({ taskId, at: time.now() });
    return task(taskId, list.tasks.get(taskId)?.status ?? 'PENDING');
  };
  return { polls, fetchFor };
}

function setup(options: { queriesPerSecond?: number; sweeps?: boolean } = {}) {
  const time = createFakeTime();
  const budget = createLocalBudget({ query: options.queriesPerSecond ?? 20, submit: 10 }, time);
  const list = new FakeTaskList();
  const detector =
    options.sweeps === false
      ? undefined
      : createSweepingDetector({ listTasks: list.listTasks, budget, time, intervalMs: 1_000 });
  const { polls, fetchFor } = service(time, budget, list);
  const wait = (taskId: string, extra: { onProgress?: (e: ProgressEvent) => void } = {}) => {
    list.add(taskId, time.wallNow());
    return waitForTask(
      { fetchTask: fetchFor(taskId), time, random: () => 0.5, detector },
      { taskId, schedule, timeout: null, firstPollAfterMs: 1_000, submittedAt: time.wallNow(), ...extra },
    );
  };
  return { time, budget, list, detector, polls, wait };
}

describe('waits on the in-process coordinator', () => {
  it('a hundred waits without a list endpoint stay inside the budget in every second', async () => {
    const { time, list, polls, wait } = setup({ queriesPerSecond: 10, sweeps: false });
    const waits = Array.from({ length: 100 }, (_, i) => wait(`t${i}`));
    await time.advance(30_000);
    for (const id of list.tasks.keys()) list.set(id, 'SUCCEEDED', time.wallNow());
    await time.advance(120_000);
    await Promise.all(waits);
    expect(
      mostInWindow(
        polls.map((p) => p.at),
        1_000,
      ),
    ).toBeLessThanOrEqual(10);
    expect(time.pending()).toBe(0);
  });

  it('with a sweep, fetches details only for tasks it saw end, soon after they ended', async () => {
    const { time, list, detector, polls, wait } = setup();
    const waits = Array.from({ length: 50 }, (_, i) => wait(`t${i}`));
    const endedAt = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      await time.advance(200);
      list.set(`t${i}`, 'SUCCEEDED', time.wallNow());
      endedAt.set(`t${i}`, time.now());
    }
    await time.advance(5_000);
    await Promise.all(waits);
    expect(polls).toHaveLength(50); // one detail query per task, no blind polls
    for (const { taskId, at } of polls) expect(at - (endedAt.get(taskId) ?? 0)).toBeLessThanOrEqual(1_200);
    expect(list.queries[0]).toMatchObject({ startTime: '20251226105900', pageNo: 1, pageSize: 100 });
    await detector?.close();
    expect(time.pending()).toBe(0);
  });

  it('reports every status a sweep saw, RUNNING included, before any poll', async () => {
    const { time, list, detector, wait } = setup();
    const events: Record<string, string[]> = { a: [], b: [] };
    const waits = ['a', 'b'].map((id) => wait(id, { onProgress: (e) => events[id]?.push(e.status) }));
    await time.advance(2_000);
    list.set('a', 'RUNNING', time.wallNow());
    list.set('b', 'RUNNING', time.wallNow());
    await time.advance(3_000);
    list.set('a', 'SUCCEEDED', time.wallNow());
    list.set('b', 'SUCCEEDED', time.wallNow());
    await time.advance(3_000);
    await Promise.all(waits);
    expect(events).toEqual({
      a: ['PENDING', 'RUNNING', 'SUCCEEDED'],
      b: ['PENDING', 'RUNNING', 'SUCCEEDED'],
    });
    await detector?.close();
  });

  it('falls back to its own polls when the list endpoint fails', async () => {
    const { time, list, detector, polls, wait } = setup();
    list.failWith = new InternalServerError('no list', { status: 500, code: 'E', requestId: 'r' });
    const waits = Array.from({ length: 5 }, (_, i) => wait(`t${i}`));
    await time.advance(3_000);
    for (const id of list.tasks.keys()) list.set(id, 'SUCCEEDED', time.wallNow());
    await time.advance(10_000);
    await Promise.all(waits);
    expect(list.queries).toHaveLength(1);
    // Waits relying on sweeps look again every maxMs (5 s): then their own schedule resumes.
    expect(Math.max(...polls.map((p) => p.at))).toBeLessThanOrEqual(3_000 + 5_000 + 1_000);
    await detector?.close();
  });

  it('a 429 pauses every wait of the budget for its Retry-After', async () => {
    const { time, budget, wait } = setup({ sweeps: false });
    const throttled = new RateLimitError('slow', {
      status: 429,
      code: 'Throttling',
      requestId: 'r',
      retryAfterMs: 3_000,
    });
    const times: number[] = [];
    let calls = 0;
    const done = waitForTask(
      {
        fetchTask: async (signal) => {
          await budget.take('query', signal);
          times.push(time.now());
          if (calls++ === 0) {
            budget.throttled('query', throttled.retryAfterMs); // what the transport does on a 429
            throw throttled;
          }
          return task('t', 'SUCCEEDED');
        },
        time,
        random: () => 0.5,
      },
      { taskId: 't', schedule, timeout: null },
    );
    const other = wait('other');
    await time.advance(10_000);
    await done;
    // Nothing before the Retry-After; then the other wait, first in line, and this one a token later.
    expect(times[0]).toBe(0);
    expect(times[1]).toBeGreaterThanOrEqual(3_000);
    expect(times[1]).toBeLessThanOrEqual(3_000 + 1_000 / 18 + 60);
    expect(budget.queryRate()).toBe(9);
    void other.catch(() => {});
  });
});
