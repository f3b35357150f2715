/**
 * The contract every {@link EndDetector} passes, in-process or shared (fleet mode), against a fake list
 * endpoint: ends are sighted, each watch hears its own task once per status and nothing after it
 * stops, list windows cover the oldest watched submit, a failing list hands detection back to the
 * waits, and close() stops the sweeping.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  EndDetector,
  ListTasks,
  TaskListItem,
  TaskListQuery,
  TaskSighting,
} from '../../../src/index.js';
import { parseListTime } from '../../../src/internal/time.js';

/** A fake list endpoint: tasks by id, listed newest first like DashScope's, filtered and paged. */
export class FakeTaskList {
  readonly tasks = new Map<string, TaskListItem>();
  readonly queries: TaskListQuery[] = [];
  /** Set to make every list query fail with it. */
  failWith: Error | undefined;

  readonly listTasks: ListTasks = async (query) => {
    this.queries.push(query);
    if (this.failWith) throw this.failWith;
    const from = parseListTime(query.startTime) ?? 0;
    const matching = [...this.tasks.values()]
      .filter(
        (task) =>
          (task.submittedAt ?? 0) >= from && (query.status === undefined || task.status === query.status),
      )
      .reverse();
    const start = (query.pageNo - 1) * query.pageSize;
    return {
      items: matching.slice(start, start + query.pageSize),
      totalPages: Math.max(1, Math.ceil(matching.length / query.pageSize)),
    };
  };

  add(taskId: string, submittedAt: number): void {
    this.tasks.set(taskId, {
      taskId,
      status: 'PENDING',
      submittedAt,
      startedAt: undefined,
      endedAt: undefined,
    });
  }

  set(taskId: string, status: string, at: number): void {
    const task = this.tasks.get(taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    task.status = status;
    if (status === 'RUNNING') task.startedAt = at;
    if (['SUCCEEDED', 'FAILED', 'CANCELED'].includes(status)) task.endedAt = at;
  }
}

/** One detector to test over `list`, and how to move its time. */
export interface DetectorUnderTest {
  detector: EndDetector;
  /** Epoch ms on the implementation's clock (submit and end times are written in it). */
  wallNow(): number;
  /** Lets `ms` pass: advances a fake clock, or sleeps for real. */
  advance(ms: number): Promise<void>;
  /** Timers the implementation still holds, where it can tell (a fake clock); undefined otherwise. */
  pendingTimers?(): number;
  close(): Promise<void>;
}

export type DetectorFactory = (list: ListTasks) => Promise<DetectorUnderTest>;

export function describeEndDetectorContract(name: string, factory: DetectorFactory): void {
  describe(`EndDetector contract: ${name}`, () => {
    const open: DetectorUnderTest[] = [];
    const make = async (list: FakeTaskList) => {
      const under = await factory(list.listTasks);
      open.push(under);
      return under;
    };
    afterEach(async () => {
      while (open.length > 0) await open.pop()?.close();
    });

    /** Watches two fresh tasks and moves time until the first list query went out. */
    async function watchTwoAndSweep(under: DetectorUnderTest, list: FakeTaskList) {
      const submitted = under.wallNow();
      for (const id of ['a', 'b']) {
        list.add(id, submitted);
        under.detector.watch(id, submitted, () => {});
      }
      await until(under, () => list.queries.length > 0);
    }

    /** Advances in 250 ms steps until `done()` or `maxMs`. */
    async function until(under: DetectorUnderTest, done: () => boolean, maxMs = 15_000) {
      for (let waited = 0; !done() && waited < maxMs; waited += 250) await under.advance(250);
    }

    it('tells each watch its own task’s statuses, the end at least once, each status once in a row', async () => {
      const list = new FakeTaskList();
      const under = await make(list);
      const submitted = under.wallNow();
      const seen = new Map<string, TaskSighting[]>();
      for (const id of ['a', 'b', 'c']) {
        list.add(id, submitted);
        seen.set(id, []);
        under.detector.watch(id, submitted, (sighting) => seen.get(id)?.push(sighting));
      }
      list.add('not-watched', submitted);
      await under.advance(1_500);
      list.set('a', 'RUNNING', under.wallNow());
      list.set('b', 'RUNNING', under.wallNow());
      await under.advance(2_500);
      const endedAt = under.wallNow();
      list.set('a', 'SUCCEEDED', endedAt);
      list.set('b', 'FAILED', endedAt);
      list.set('not-watched', 'SUCCEEDED', endedAt);
      const ended = (id: string) =>
        seen.get(id)?.some((s) => s.status === 'SUCCEEDED' || s.status === 'FAILED');
      await until(under, () => Boolean(ended('a') && ended('b')));
      expect(seen.get('a')?.at(-1)).toMatchObject({ taskId: 'a', status: 'SUCCEEDED', endedAt });
      expect(seen.get('b')?.at(-1)).toMatchObject({ taskId: 'b', status: 'FAILED', endedAt });
      expect(seen.get('c')?.some((s) => s.status !== 'PENDING')).toBe(false);
      for (const sightings of seen.values()) {
        for (const sighting of sightings) expect(['a', 'b', 'c']).toContain(sighting.taskId);
        const statuses = sightings.map((s) => s.status);
        expect(statuses.filter((status, i) => status === statuses[i - 1])).toEqual([]);
      }
    });

    it('lists from before the oldest watched submit, and says it sweeps (a long backstop) while it does', async () => {
      const list = new FakeTaskList();
      const under = await make(list);
      expect(under.detector.backstopMs()).toBe(0);
      const oldest = under.wallNow() - 30_000;
      list.add('old', oldest);
      list.add('new', under.wallNow());
      under.detector.watch('old', oldest, () => {});
      under.detector.watch('new', under.wallNow(), () => {});
      await until(under, () => list.queries.length > 0);
      expect(list.queries.length).toBeGreaterThan(0);
      for (const query of list.queries) expect(parseListTime(query.startTime)).toBeLessThanOrEqual(oldest);
      expect(under.detector.backstopMs()).toBeGreaterThanOrEqual(10_000);
    });

    it('hears nothing after a watch stops', async () => {
      const list = new FakeTaskList();
      const under = await make(list);
      const submitted = under.wallNow();
      const heard: string[] = [];
      const stops = ['a', 'b', 'c'].map((id) => {
        list.add(id, submitted);
        return under.detector.watch(id, submitted, (s) => heard.push(`${id}:${s.status}`));
      });
      await until(under, () => heard.length >= 3);
      stops[0]?.();
      stops[0]?.(); // idempotent
      heard.length = 0;
      list.set('a', 'SUCCEEDED', under.wallNow());
      list.set('b', 'SUCCEEDED', under.wallNow());
      await until(under, () => heard.includes('b:SUCCEEDED'));
      expect(heard).toContain('b:SUCCEEDED');
      expect(heard.filter((h) => h.startsWith('a:'))).toEqual([]);
    });

    it('hands detection back to the waits when the list endpoint fails', async () => {
      const list = new FakeTaskList();
      list.failWith = new Error('list is down');
      const under = await make(list);
      await watchTwoAndSweep(under, list);
      await under.advance(1_000);
      expect(list.queries.length).toBeGreaterThan(0);
      expect(under.detector.backstopMs()).toBe(0);
    });

    it('close() stops sweeping and leaves no timer', async () => {
      const list = new FakeTaskList();
      const under = await make(list);
      await watchTwoAndSweep(under, list);
      await under.detector.close();
      await under.advance(1_000);
      const sent = list.queries.length;
      await under.advance(5_000);
      expect(list.queries.length).toBe(sent);
      if (under.pendingTimers) expect(under.pendingTimers()).toBe(0);
    });
  });
}
