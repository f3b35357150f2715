/**
 * `client.listTasks(filter)`: an async iterable over `GET /tasks` that pages by itself, with filters
 * checked before anything is sent. The emulator runs on a manual clock, so which task is in which
 * status (and when it was submitted) is decided by the test, not by how fast the machine is.
 */
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  type Coordinator,
  createLocalCoordinator,
  type RequestKind,
  type TaskSummary,
  ValidationError,
} from '../../src/index.js';
import { createManualClock, type ManualClock } from '../../src/testing/index.js';
import { AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';

const input = { imageUrl: IMAGE, audioUrl: AUDIO };

/** An emulator on a manual clock whose tasks queue 5 s and run 20 s, and a client on it. */
async function setUp() {
  const clock = createManualClock();
  const running = await emulator({ now: clock.now, queueMs: 5_000, runMs: 20_000 });
  const client = clientFor(running);
  return { clock, running, client };
}

/** Submits `count` tasks one second apart (on the manual clock); their ids, oldest first. */
async function submitSpaced(
  client: ReturnType<typeof clientFor>,
  clock: ManualClock,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await client.submit(input)).taskId);
    clock.advance(1_000);
  }
  return ids;
}

async function collect(iterable: AsyncIterable<TaskSummary>): Promise<TaskSummary[]> {
  const items: TaskSummary[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The query string of every list request the emulator received. */
function listQueries(running: Awaited<ReturnType<typeof emulator>>): URLSearchParams[] {
  return running.log
    .filter((entry) => entry.route === 'list')
    .map((entry) => new URL(entry.path, 'http://x').searchParams);
}

describe('listTasks', () => {
  it('pages through every task by itself, newest first, as typed items', async () => {
    const { clock, running, client } = await setUp();
    const submittedAt = clock.now();
    const ids = await submitSpaced(client, clock, 7);

    const items = await collect(client.listTasks({ pageSize: 3 }));

    expect(items.map((item) => item.taskId)).toEqual([...ids].reverse());
    expect(listQueries(running).map((query) => query.get('page_no'))).toEqual(['1', '2', '3']);
    expect(listQueries(running).every((query) => query.get('page_size') === '3')).toBe(true);
    // The oldest task was submitted 7 s ago on the manual clock: it is RUNNING now, the newest PENDING.
    expect(items.at(-1)).toEqual({
      taskId: ids[0],
      status: 'RUNNING',
      rawStatus: 'RUNNING',
      model: 'liveportrait',
      submittedAt,
      startedAt: expect.any(Number),
      endedAt: undefined,
    });
    expect(items[0]).toMatchObject({ taskId: ids[6], status: 'PENDING', submittedAt: submittedAt + 6_000 });
  });

  it('fetches the next page only when the loop asks for more', async () => {
    const { clock, running, client } = await setUp();
    await submitSpaced(client, clock, 5);
    for await (const _item of client.listTasks({ pageSize: 2 })) break;
    expect(running.stats.byRoute.list).toBe(1);
  });

  it('defaults to pages of 100 and the liveportrait model, and sends no filter it was not given', async () => {
    const { running, client } = await setUp();
    await client.submit(input);
    await collect(client.listTasks());
    const [query] = listQueries(running);
    expect(Object.fromEntries(query ?? [])).toEqual({
      model_name: 'liveportrait',
      page_no: '1',
      page_size: '100',
    });
  });

  it('filters by status', async () => {
    const { clock, client } = await setUp();
    const [done] = await submitSpaced(client, clock, 1);
    clock.advance(60_000); // well past queue + run: SUCCEEDED
    const [queued] = await submitSpaced(client, clock, 1);

    const succeeded = await collect(client.listTasks({ status: 'SUCCEEDED' }));
    expect(succeeded.map((item) => [item.taskId, item.status])).toEqual([[done, 'SUCCEEDED']]);
    expect(succeeded[0]?.endedAt).toEqual(expect.any(Number));
    const pending = await collect(client.listTasks({ status: 'PENDING' }));
    expect(pending.map((item) => item.taskId)).toEqual([queued]);
  });

  it('filters by submit time, from a Date or epoch ms, sent as Beijing time yyyyMMddHHmmss', async () => {
    const { clock, running, client } = await setUp();
    const start = clock.now(); // 2025-12-26 11:33:03.146 Beijing time
    const ids = await submitSpaced(client, clock, 5);

    // Tasks 2 to 4 were submitted at start + 1 s … start + 3 s; the window names whole seconds.
    const between = await collect(
      client.listTasks({ startTime: new Date(start + 1_000), endTime: start + 3_000 }),
    );
    expect(between.map((item) => item.taskId)).toEqual([ids[3], ids[2], ids[1]]);
    const [query] = listQueries(running);
    expect(query?.get('start_time')).toBe('20251226113304');
    expect(query?.get('end_time')).toBe('20251226113306');
  });

  it('filters by model', async () => {
    const { running, client } = await setUp();
    await client.submit(input);
    await expect(collect(client.listTasks({ model: 'wanx2.1-t2v' }))).resolves.toEqual([]);
    expect(listQueries(running)[0]?.get('model_name')).toBe('wanx2.1-t2v');
  });

  it('yields a task once even when it moves to the next page between two requests', async () => {
    const { clock, client } = await setUp();
    const ids = await submitSpaced(client, clock, 4);
    const seen: string[] = [];
    for await (const item of client.listTasks({ pageSize: 2 })) {
      seen.push(item.taskId);
      // A new task pushes every older one a place down: the next page starts with one already seen.
      if (seen.length === 2) ids.push((await client.submit(input)).taskId);
    }
    expect(seen).toEqual([ids[3], ids[2], ids[1], ids[0]]);
  });

  it('spends one query of the account budget per page, as getTask does', async () => {
    const { clock, running } = await setUp();
    // The default coordinator, with its budget counted.
    const spent: RequestKind[] = [];
    const local = createLocalCoordinator();
    const counting: Coordinator = {
      connect(context) {
        const coordination = local.connect(context);
        const { budget } = coordination;
        return {
          ...coordination,
          budget: {
            take: (kind, signal) => {
              spent.push(kind);
              return budget.take(kind, signal);
            },
            throttled: (kind, retryAfterMs) => budget.throttled(kind, retryAfterMs),
            queryRate: () => budget.queryRate(),
          },
        };
      },
    };
    const client = clientFor(running, { coordinator: counting });
    await submitSpaced(client, clock, 5);
    spent.length = 0;
    await collect(client.listTasks({ pageSize: 2 }));
    expect(running.stats.byRoute.list).toBe(3);
    expect(spent).toEqual(['query', 'query', 'query']);
  });

  it('stops at an abort between pages without sending more', async () => {
    const { clock, running, client } = await setUp();
    await submitSpaced(client, clock, 4);
    const controller = new AbortController();
    const listing = client.listTasks({ pageSize: 2 }, { signal: controller.signal });
    const error = await (async () => {
      for await (const _item of listing) controller.abort(new Error('enough'));
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('enough'));
    expect(running.stats.byRoute.list).toBe(1);

    const aborted = client.listTasks({}, { signal: AbortSignal.abort() });
    await expect(aborted.next()).rejects.toBeInstanceOf(AbortError);
    expect(running.stats.byRoute.list).toBe(1);
  });
});

describe('listTasks refuses a bad filter at the call, before anything is sent', () => {
  it.each([
    [{ status: 'DONE' }, 'status', /must be one of PENDING, RUNNING, .*; got "DONE"/],
    [{ pageSize: 0 }, 'pageSize', /from 1 to 100.*got 0/],
    [{ pageSize: 101 }, 'pageSize', /from 1 to 100.*got 101/],
    [{ pageSize: 2.5 }, 'pageSize', /integer/],
    [{ model: '' }, 'model', /must not be empty/],
    [{ startTime: new Date('nope') }, 'startTime', /Date or epoch ms/],
    [{ startTime: -1 }, 'startTime', /Date or epoch ms; got -1/],
    [{ endTime: '2025-01-01' }, 'endTime', /Date or epoch ms; got "2025-01-01"/],
    [{ startTime: 2_000, endTime: 1_000 }, 'endTime', /must not be before startTime/],
    [{ signal: AbortSignal.abort() }, 'signal', /is not a known option/],
  ])('%o', async (filter, path, message) => {
    const { running, client } = await setUp();
    let error: unknown;
    try {
      client.listTasks(filter as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues.map((issue) => issue.path)).toEqual([path]);
    expect(issues[0]?.message).toMatch(message);
    expect(running.stats.requests).toBe(0);
  });
});
