/**
 * The Redis coordinator at the ports, against a real redis-server and a real emulator: two
 * coordinators stand for two processes (the multi-process and fault tests are in fleet.test.ts).
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/index.js';
import type { Coordination, TaskSighting } from '../../src/polling/ports.js';
import type { RedisBudget } from '../../src/redis/budget.js';
import { buildRedisCoordinator, type CoordinatorInternals } from '../../src/redis/coordinator.js';
import type { RedisCoordinatorOptions } from '../../src/redis/options.js';
import { type RunningEmulator, startEmulator } from '../../src/testing/index.js';
import { useRedisServer } from './helpers.js';
import { API_KEY, emulatorList, plainSweeper } from './ports.js';
import { freePort } from './server.js';

const redis = useRedisServer();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

let prefixes = 0;
async function setup(
  options: Partial<RedisCoordinatorOptions> = {},
  count = 2,
  internals: CoordinatorInternals = {},
) {
  const emulator: RunningEmulator = await startEmulator({ apiKeys: [API_KEY], queueMs: 300, runMs: 500 });
  cleanups.push(() => emulator.close());
  const list = emulatorList(emulator.baseURL);
  cleanups.push(() => list.close());
  const sweeper = plainSweeper();
  const warnings: string[] = [];
  const keyPrefix = `t${++prefixes}:`;
  const join = () => {
    const coordinator = buildRedisCoordinator(
      { redis: redis.server.url, keyPrefix, onWarning: (m) => warnings.push(m), ...options },
      { detector: sweeper.factory, ...internals },
    );
    const coordination = coordinator.connect({ listTasks: list.listTasks });
    cleanups.push(() => coordination.close());
    return coordination;
  };
  const processes = Array.from({ length: count }, join);
  const submit = () =>
    emulator.tasks.create(API_KEY, 'request', {
      model: 'liveportrait',
      input: { image_url: 'https://example.com/face.png', audio_url: 'https://example.com/voice.mp3' },
      parameters: {},
    } as never);
  return { emulator, processes, join, submit, warnings, keyPrefix, sweeper };
}

function ended(coordination: Coordination, taskId: string, submittedAt: number): Promise<TaskSighting> {
  return new Promise((resolve) => {
    const stop = coordination.detector.watch(taskId, submittedAt, (sighting) => {
      if (sighting.status === 'SUCCEEDED' || sighting.status === 'FAILED') {
        stop();
        resolve(sighting);
      }
    });
  });
}

async function admin(): Promise<Redis> {
  const connection = new Redis(redis.server.url);
  cleanups.push(() => connection.disconnect());
  return connection;
}

describe('createRedisCoordinator options', () => {
  it('refuses bad options with a ConfigurationError before connecting', () => {
    const detector = plainSweeper().factory;
    const build = (options: unknown) => () =>
      buildRedisCoordinator(options as RedisCoordinatorOptions, { detector });
    expect(build({})).toThrow(ConfigurationError);
    expect(build({ redis: 42 })).toThrow(/connection URL or an ioredis client/);
    expect(build({ redis: 'redis://x', queriesPerSecond: 0 })).toThrow(/queriesPerSecond/);
    expect(build({ redis: 'redis://x', submitsPerSecond: Number.NaN })).toThrow(/submitsPerSecond/);
    expect(build({ redis: 'redis://x', maxConcurrentJobs: 1.5 })).toThrow(/maxConcurrentJobs/);
  });
});

describe('shared end detection', () => {
  it('one leader sweeps for both processes and both learn their tasks ended from the stream', async () => {
    const { processes, submit, emulator } = await setup();
    const [a, b] = processes as [Coordination, Coordination];
    const ta = submit();
    const tb = submit();
    const [sa, sb] = await Promise.all([ended(a, ta.id, ta.submittedAt), ended(b, tb.id, tb.submittedAt)]);
    expect(sa).toMatchObject({ taskId: ta.id, status: 'SUCCEEDED' });
    expect(sb).toMatchObject({ taskId: tb.id, status: 'SUCCEEDED' });
    expect(emulator.stats.throttled).toBe(0);
  });

  it('a wait that starts after its task ended hears the end from the status hash', async () => {
    const { processes, submit } = await setup();
    const [a, b] = processes as [Coordination, Coordination];
    const task = submit();
    await ended(a, task.id, task.submittedAt);
    // Still watched by a (a second wait keeps the entry alive), b starts now.
    const keep = a.detector.watch(task.id, task.submittedAt, () => {});
    cleanups.push(keep);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(ended(b, task.id, task.submittedAt)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });

  it('when the leader goes, another process takes over within a few seconds', async () => {
    const { processes, join, submit, keyPrefix } = await setup({}, 1);
    const [a] = processes as [Coordination];
    const connection = await admin();
    // Alone, a takes the lease.
    let leader: string | null = null;
    for (let i = 0; i < 100 && !leader; i++) {
      leader = await connection.get(`${keyPrefix}leader`);
      if (!leader) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(leader).toBeTruthy();
    const b = join();
    await a.close();
    const task = submit();
    const sighting = await ended(b, task.id, task.submittedAt);
    expect(sighting.status).toBe('SUCCEEDED');
    const now = await connection.get(`${keyPrefix}leader`);
    expect(now).toBeTruthy();
    expect(now).not.toBe(leader);
  });
});

describe('the shared budget', () => {
  it('a 429 seen by one process pauses the other for the Retry-After', async () => {
    const { processes } = await setup();
    const [a, b] = processes as [Coordination, Coordination];
    await a.budget.take('query');
    a.budget.throttled('query', 1500);
    // Let the throttle reach Redis.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    await b.budget.take('query');
    // A lower bound only: a loaded machine makes it longer, never shorter.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("the leader's list queries let the queries waiting in the fleet's lines go first", async () => {
    const { processes } = await setup({ queriesPerSecond: 5 });
    const [a, b] = processes as [Coordination, Coordination];
    await a.budget.take('query');
    let granted = 0;
    const queued = Array.from({ length: 8 }, () => a.budget.take('query').then(() => granted++));
    // Let A's lane tell Redis how many wait in it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = granted;
    await (b.budget as RedisBudget).afterFleetLine(new AbortController().signal);
    // Ordering, not speed: B went on only once what waited in A's line then had been granted.
    expect(before).toBeLessThan(8);
    expect(granted).toBeGreaterThanOrEqual(7);
    await Promise.all(queued);
  });

  it('an aborted take rejects with the reason at once', async () => {
    const { processes } = await setup({ queriesPerSecond: 1 }, 1);
    const [a] = processes as [Coordination];
    await a.budget.take('query');
    await a.budget.take('query');
    const controller = new AbortController();
    const pending = a.budget.take('query', controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('job slots across the fleet', () => {
  it('holds maxConcurrentJobs across processes and hands a freed slot on', async () => {
    const { processes } = await setup({ maxConcurrentJobs: 2 });
    const [a, b] = processes as [Coordination, Coordination];
    const releaseA = await a.jobs.acquire();
    await b.jobs.acquire();
    let third = false;
    const pending = b.jobs.acquire().then((release) => {
      third = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(third).toBe(false);
    releaseA();
    await pending;
    expect(third).toBe(true);
  });
});

describe('Redis trouble', () => {
  it('with Redis never reachable: one warning, takes granted on the local share, ends detected alone', async () => {
    const port = await freePort();
    const { processes, submit, warnings } = await setup({ redis: `redis://127.0.0.1:${port}` }, 1);
    const [a] = processes as [Coordination];
    const started = performance.now();
    for (let i = 0; i < 5; i++) await a.budget.take('query');
    expect(performance.now() - started).toBeLessThan(10_000);
    const task = submit();
    await expect(ended(a, task.id, task.submittedAt)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Redis is unreachable/);
  });

  it('charges what a process sent on its local share to the shared bucket when Redis returns', async () => {
    // DashScope's second stretched to 4 s of real time (the benchmark's clock scale, below 1): the
    // charge covers the last DashScope second, and 4 s of it dwarfs any stall of a loaded machine.
    const scale = 0.25;
    const { processes, join, warnings, keyPrefix } = await setup({ queriesPerSecond: 10 }, 1, {
      timeScale: scale,
    });
    const [a] = processes as [Coordination];
    await a.budget.take('query');
    await redis.server.kill();
    // A keeps its lane busy all through the outage and the return: it spends its local share, then
    // (once Redis answers) the shared bucket.
    const stop = new AbortController();
    let sentAlone = 0;
    const pump = (async () => {
      while (!stop.signal.aborted) {
        await a.budget.take('query', stop.signal).catch(() => undefined);
        if (warnings.length > 0 && !stop.signal.aborted) sentAlone++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await redis.server.restart();
    const connection = await admin();
    const bucket = `${keyPrefix}bucket:query`;
    const read = async () =>
      (await connection.eval(
        "local t = redis.call('TIME'); return { redis.call('HGET', KEYS[1], 'tat') or '', t[1] * 1000000 + t[2] }",
        1,
        bucket,
      )) as [string, number];
    let [tat, now] = await read();
    for (let waited = 0; tat === '' && waited < 15_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      [tat, now] = await read();
    }
    stop.abort();
    await pump;
    expect(warnings).toHaveLength(1);
    expect(sentAlone).toBeGreaterThan(0);
    // Real ms per grant at the fleet's rate (90% of 10/s on DashScope's clock), and the burst the
    // bucket allows: without a charge, its next free grant is never more than both ahead of now.
    const interval = 1000 / (10 * 0.9 * scale);
    const tolerance = (1000 / 0.9 - 1000) / scale;
    const ahead = (Number(tat) - now) / 1000;
    // A sent ~9 queries in the last DashScope second (4 s) before Redis came back: charged, they
    // hold the fleet's next grants back by about as many intervals (~4 s); at most a window's worth.
    expect(ahead).toBeGreaterThan(interval + tolerance + 500);
    expect(ahead).toBeLessThanOrEqual(tolerance + 1000 / scale);
    // So a process that joins now waits for them too.
    const [b] = [join()];
    const started = performance.now();
    const askedAt = (await read())[1];
    await b.budget.take('query');
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual((Number(tat) - askedAt) / 1000 - tolerance - 50);
  });

  it('keeps every key under the prefix, each with a TTL', async () => {
    const { processes, submit, keyPrefix, emulator } = await setup({
      maxConcurrentJobs: 3,
      submitsPerSecond: 5,
    });
    const [a, b] = processes as [Coordination, Coordination];
    await a.jobs.acquire();
    await a.budget.take('query');
    await b.budget.take('submit');
    const running = submit();
    emulator.tasks.update(running.id, { queueMs: 60_000, runMs: 60_000 });
    cleanups.push(a.detector.watch(running.id, running.submittedAt, () => {}));
    const task = submit();
    await ended(b, task.id, task.submittedAt);
    const connection = await admin();
    const keys = (await connection.keys(`${keyPrefix}*`)).sort();
    // The leader drops the statuses of tasks no longer watched, and an emptied hash is no key: the
    // status hash may be gone by the time it is listed (the ended task's watch has stopped).
    expect(keys.filter((key) => key !== `${keyPrefix}watch:status`)).toEqual(
      [
        'backstop',
        'bucket:query',
        'bucket:query:lines',
        'bucket:submit',
        'bucket:submit:lines',
        'ended',
        'fleet',
        'jobs',
        'leader',
        'watch:expiry',
        'watch:submitted',
      ].map((k) => keyPrefix + k),
    );
    for (const key of keys) {
      // -1 is a key without a TTL, the defect; -2 a key deleted since it was listed, for the same reason.
      const ttl = await connection.pttl(key);
      expect(ttl === -2 || ttl > 0, `${key}: pttl ${ttl}`).toBe(true);
    }
  });
});
