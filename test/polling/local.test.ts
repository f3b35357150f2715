/**
 * The in-process implementations of the ports: the contract suites on a fake clock, and what only the
 * in-process versions promise (first come first served, halving and recovery figures, no timer when idle).
 */
import { describe, expect, it } from 'vitest';
import { createLocalCoordinator } from '../../src/index.js';
import { JobSlots } from '../../src/internal/job-slots.js';
import { createLocalBudget } from '../../src/polling/budget.js';
import { createSweepingDetector } from '../../src/polling/sweep.js';
import { createFakeTime, settle } from '../helpers/fake-time.js';
import { describeAccountBudgetContract, mostInWindow } from './contract/account-budget.contract.js';
import { describeEndDetectorContract, FakeTaskList } from './contract/end-detector.contract.js';
import { describeJobLimiterContract } from './contract/job-limiter.contract.js';

describeAccountBudgetContract('in-process GCRA bucket', async ({ queriesPerSecond, submitsPerSecond }) => {
  const time = createFakeTime();
  return {
    budget: createLocalBudget({ query: queriesPerSecond, submit: submitsPerSecond }, time),
    now: time.now,
    advance: time.advance,
    toleranceMs: 0,
    close: async () => expect(time.pending()).toBe(0),
  };
});

describeEndDetectorContract('in-process list sweep', async (listTasks) => {
  const time = createFakeTime();
  const budget = createLocalBudget({ query: 20, submit: 10 }, time);
  const detector = createSweepingDetector({ listTasks, budget, time, intervalMs: 1_000 });
  return {
    detector,
    wallNow: time.wallNow,
    advance: time.advance,
    pendingTimers: time.pending,
    close: () => detector.close(),
  };
});

describeJobLimiterContract('in-process job slots', async (limit) => ({
  jobs: new JobSlots(limit),
  settle,
  close: async () => {},
}));

describe('in-process budget', () => {
  it('serves waiting takes first come first served, and holds no timer when no one waits', async () => {
    const time = createFakeTime();
    const budget = createLocalBudget({ query: 2, submit: 1 }, time);
    const order: number[] = [];
    const takes = [0, 1, 2, 3].map((i) => budget.take('query').then(() => order.push(i)));
    await time.advance(3_000);
    await Promise.all(takes);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(time.pending()).toBe(0);
    const controller = new AbortController();
    const aborted = budget.take('query', controller.signal).catch(() => 'aborted');
    const waiting = budget.take('query', controller.signal).catch(() => 'aborted');
    await time.advance(0);
    controller.abort();
    expect(await Promise.all([aborted, waiting])).toContain('aborted');
    await settle();
    expect(time.pending()).toBe(0);
  });

  it('plans with 90% of the rate; a 429 halves it, and it grows back only after 10 quiet seconds', async () => {
    const time = createFakeTime();
    const budget = createLocalBudget({ query: 20, submit: 10 }, time);
    expect(budget.queryRate()).toBe(18);
    budget.throttled('query', 2_000);
    budget.throttled('query', 2_000); // the same overload: halves once
    expect(budget.queryRate()).toBe(9);
    await time.advance(10_000);
    expect(budget.queryRate()).toBe(9);
    await time.advance(5_000);
    expect(budget.queryRate()).toBeCloseTo(9 + 18 * 0.05 * 5, 5);
  });

  it('keeps its rate when every timer fires late, and still never passes the limit in a second', async () => {
    // A busy event loop fires each timer late. A bucket that forgets that lateness loses a share of
    // the account's queries with every late grant; the GCRA's tolerance lets the next grant follow on
    // time, within the same one-second bound.
    const time = createFakeTime();
    const late = { ...time, sleep: (ms: number, signal?: AbortSignal) => time.sleep(ms + 30, signal) };
    const budget = createLocalBudget({ query: 20, submit: 10 }, late);
    const granted: number[] = [];
    const takes = Array.from({ length: 400 }, () =>
      budget.take('query').then(() => granted.push(time.now())),
    );
    await time.advance(10_000);
    // 18/s planned: ~180 in 10 s (a bucket that forgets lateness: 1 per 85 ms, ~118).
    expect(granted.length).toBeGreaterThanOrEqual(170);
    // One under DashScope's 20: room for requests that arrive bunched by network jitter.
    expect(mostInWindow(granted, 1_000)).toBeLessThanOrEqual(19);
    // Making up for a late timer never sends two at once: grants stay half an interval (1000 / 18 / 2) apart.
    const gaps = granted.slice(1).map((at, i) => at - (granted[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000 / 18 / 2 - 0.01);
    await time.advance(20_000);
    await Promise.all(takes);
  });

  it('an unlimited kind grants at once', async () => {
    const time = createFakeTime();
    const budget = createLocalBudget({ query: Number.POSITIVE_INFINITY, submit: 10 }, time);
    await Promise.all(Array.from({ length: 1_000 }, () => budget.take('query')));
    expect(time.pending()).toBe(0);
  });
});

describe('in-process sweep', () => {
  it('lists only ended statuses, page by page, once many tasks are watched', async () => {
    const time = createFakeTime();
    const list = new FakeTaskList();
    const budget = createLocalBudget({ query: 20, submit: 10 }, time);
    const detector = createSweepingDetector({ listTasks: list.listTasks, budget, time, intervalMs: 1_000 });
    const ended: string[] = [];
    for (let i = 0; i < 150; i++) {
      list.add(`t${i}`, time.wallNow());
      detector.watch(`t${i}`, time.wallNow(), (s) => {
        if (s.status === 'SUCCEEDED') ended.push(s.taskId);
      });
    }
    await time.advance(3_000);
    for (let i = 0; i < 120; i++) list.set(`t${i}`, 'SUCCEEDED', time.wallNow());
    await time.advance(5_000);
    expect(new Set(ended).size).toBe(120);
    expect(list.queries.slice(-2).map((q) => q.status)).toContain('FAILED');
    expect(list.queries.some((q) => q.status === 'SUCCEEDED' && q.pageNo === 2)).toBe(true);
    await detector.close();
  });

  it('stops trusting the list when a poll finds an end a sweep should have seen', async () => {
    const time = createFakeTime();
    const list = new FakeTaskList();
    const budget = createLocalBudget({ query: 20, submit: 10 }, time);
    const detector = createSweepingDetector({ listTasks: list.listTasks, budget, time, intervalMs: 1_000 });
    for (const id of ['a', 'b']) {
      list.add(id, time.wallNow());
      detector.watch(id, time.wallNow(), () => {});
    }
    const endedAt = time.wallNow();
    await time.advance(10_000);
    expect(detector.backstopMs()).toBeGreaterThan(0);
    detector.missed('a', endedAt);
    await time.advance(0);
    expect(detector.backstopMs()).toBe(0);
    await detector.close();
  });

  it('a coordinator refuses a bad rate or job limit with a ConfigurationError', () => {
    expect(() => createLocalCoordinator({ queriesPerSecond: 0 })).toThrow(/queriesPerSecond/);
    expect(() => createLocalCoordinator({ maxConcurrentJobs: 1.5 })).toThrow(/maxConcurrentJobs/);
  });
});
