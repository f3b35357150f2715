/**
 * The contract every {@link AccountBudget} passes, in-process or shared (fleet mode). It asserts
 * properties that hold on any clock: never more than the rate in any one-second window, kinds apart,
 * aborts that spend nothing, a 429 that pauses and slows. `describeAccountBudgetContract(name, factory)`
 * runs it; the factory decides whether time is fake (advanced at once) or real (slept through, with a
 * tolerance for timestamps this process takes late).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountBudget } from '../../../src/index.js';

/** One budget to test, and how to move its time. */
export interface BudgetUnderTest {
  budget: AccountBudget;
  /** The implementation's clock, ms (grant times are read on it). */
  now(): number;
  /** Lets `ms` pass: advances a fake clock, or sleeps for real. */
  advance(ms: number): Promise<void>;
  /**
   * How late this process may observe a grant on a real clock (event-loop delay, a store's round trip),
   * ms; 0 on a fake clock. Windows are checked `1000 - toleranceMs` long.
   */
  toleranceMs: number;
  close(): Promise<void>;
}

export type BudgetFactory = (rates: {
  queriesPerSecond: number;
  submitsPerSecond: number;
}) => Promise<BudgetUnderTest>;

/** Most timestamps in any window of `windowMs`. */
export function mostInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

export function describeAccountBudgetContract(name: string, factory: BudgetFactory): void {
  describe(`AccountBudget contract: ${name}`, () => {
    const open: BudgetUnderTest[] = [];
    const make = async (queriesPerSecond: number, submitsPerSecond: number) => {
      const under = await factory({ queriesPerSecond, submitsPerSecond });
      open.push(under);
      return under;
    };
    afterEach(async () => {
      while (open.length > 0) await open.pop()?.close();
    });

    /** Takes `count` tokens of `kind` at once and moves time until all are granted (or `maxMs` passed). */
    async function grantTimes(
      under: BudgetUnderTest,
      kind: 'query' | 'submit',
      count: number,
      maxMs: number,
    ) {
      const times: number[] = [];
      const takes = Array.from({ length: count }, () =>
        under.budget.take(kind).then(() => times.push(under.now())),
      );
      for (let waited = 0; times.length < count && waited < maxMs; waited += 250) await under.advance(250);
      await Promise.all(takes);
      return times;
    }

    it('never grants more than the rate in any one-second window, and grants every take', async () => {
      const under = await make(10, 5);
      const times = await grantTimes(under, 'query', 30, 10_000);
      expect(times).toHaveLength(30);
      expect(mostInWindow(times, 1_000 - under.toleranceMs)).toBeLessThanOrEqual(10);
      // It does not starve either: 30 tokens at 10/s take about 3 s, not 10.
      expect(Math.max(...times) - Math.min(...times)).toBeLessThan(6_000);
    });

    it('keeps submits and queries apart', async () => {
      const under = await make(10, 2);
      const submits = grantTimes(under, 'submit', 6, 10_000);
      const started = under.now();
      let queried: number | undefined;
      void under.budget.take('query').then(() => {
        queried = under.now();
      });
      await under.advance(under.toleranceMs);
      const submitTimes = await submits;
      expect(queried).toBeDefined();
      expect((queried as number) - started).toBeLessThanOrEqual(under.toleranceMs);
      expect(mostInWindow(submitTimes, 1_000 - under.toleranceMs)).toBeLessThanOrEqual(2);
    });

    it('an aborted take rejects with the reason at once, and spends nothing', async () => {
      const under = await make(5, 5);
      const reason = new Error('stop');
      await expect(under.budget.take('query', AbortSignal.abort(reason))).rejects.toBe(reason);
      // Spend the burst, then queue takes and abort some of them.
      const controller = new AbortController();
      const kept: Array<Promise<void>> = [];
      const aborted: Array<Promise<unknown>> = [];
      for (let i = 0; i < 12; i++) {
        if (i % 2 === 0) kept.push(under.budget.take('query'));
        else aborted.push(under.budget.take('query', controller.signal).catch((e: unknown) => e));
      }
      await under.advance(0);
      controller.abort(reason);
      await under.advance(under.toleranceMs);
      for (const outcome of await Promise.all(aborted.slice(-3))) expect(outcome).toBe(reason);
      const times: number[] = [];
      for (const take of kept) void take.then(() => times.push(under.now()));
      for (let waited = 0; times.length < kept.length && waited < 10_000; waited += 250)
        await under.advance(250);
      expect(times).toHaveLength(kept.length);
    });

    it('a 429 pauses that kind for its Retry-After and slows it; the other kind goes on', async () => {
      const under = await make(10, 10);
      const before = under.budget.queryRate();
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThanOrEqual(10);
      const throttledAt = under.now();
      under.budget.throttled('query', 2_000);
      let queried: number | undefined;
      void under.budget.take('query').then(() => {
        queried = under.now();
      });
      let submitted: number | undefined;
      void under.budget.take('submit').then(() => {
        submitted = under.now();
      });
      for (let waited = 0; queried === undefined && waited < 10_000; waited += 250) await under.advance(250);
      expect(submitted).toBeDefined();
      expect((submitted as number) - throttledAt).toBeLessThanOrEqual(under.toleranceMs + 250);
      expect(queried).toBeDefined();
      expect((queried as number) - throttledAt).toBeGreaterThanOrEqual(2_000 - under.toleranceMs);
      expect(under.budget.queryRate()).toBeLessThan(before);
    });
  });
}
