/**
 * The contract every {@link JobLimiter} passes, in-process or shared (fleet mode): never more than the
 * limit held at once, a release frees one slot however often it is called, an aborted waiter rejects
 * with the reason and takes no slot, and waiters get the slots that free up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JobLimiter } from '../../../src/index.js';

/** One limiter to test. */
export interface LimiterUnderTest {
  jobs: JobLimiter;
  /** Lets queued promises (and a store's round trips) run. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export type LimiterFactory = (maxConcurrentJobs: number) => Promise<LimiterUnderTest>;

export function describeJobLimiterContract(name: string, factory: LimiterFactory): void {
  describe(`JobLimiter contract: ${name}`, () => {
    const open: LimiterUnderTest[] = [];
    afterEach(async () => {
      while (open.length > 0) await open.pop()?.close();
    });
    const make = async (limit: number) => {
      const under = await factory(limit);
      open.push(under);
      return under;
    };

    it('holds at most the limit at once; each release (called twice) frees one slot', async () => {
      const under = await make(2);
      const releases: Array<() => void> = [];
      const acquired = Array.from({ length: 5 }, () =>
        under.jobs.acquire().then((release) => releases.push(release)),
      );
      await under.settle();
      expect(releases).toHaveLength(2);
      releases[0]?.();
      releases[0]?.();
      await under.settle();
      expect(releases).toHaveLength(3);
      releases[1]?.();
      releases[2]?.();
      await under.settle();
      expect(releases).toHaveLength(5);
      await Promise.all(acquired);
      for (const release of releases) release();
    });

    it('an aborted waiter rejects with the reason and takes no slot', async () => {
      const under = await make(1);
      const first = await under.jobs.acquire();
      const reason = new Error('stop');
      await expect(under.jobs.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
      const controller = new AbortController();
      const aborted = under.jobs.acquire(controller.signal).catch((e: unknown) => e);
      let second: (() => void) | undefined;
      void under.jobs.acquire().then((release) => {
        second = release;
      });
      await under.settle();
      controller.abort(reason);
      expect(await aborted).toBe(reason);
      first();
      await under.settle();
      expect(second).toBeDefined();
      second?.();
    });
  });
}
