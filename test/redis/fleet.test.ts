/**
 * Fleet mode end to end: several node processes, each a LivePortraitClient on the Redis coordinator,
 * against one emulated account (its real rate limits) and a real redis-server, with the faults the
 * issue names: Redis killed and restarted, Redis never reachable, the leader killed, a process paused
 * past its lease. Every job that a living process started completes, none is submitted twice, no
 * process hangs. Bounds are generous (tens of seconds): only a real defect fails them.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/testing/index.js';
import { fixture, runChild, useRedisServer } from './helpers.js';
import { API_KEY } from './ports.js';
import { freePort } from './server.js';

const redis = useRedisServer();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface WorkerEvent {
  name: string;
  event: 'start' | 'submitted' | 'done' | 'failed' | 'warning' | 'exit';
  taskId?: string;
  pid?: number;
  error?: string;
  message?: string;
}

/** A fleet process and every event it printed so far. */
interface Worker {
  child: ChildProcess;
  events: WorkerEvent[];
  exited: Promise<number | null>;
}

let prefixes = 0;

async function fleet(options: { redisUrl?: string; jobs?: number; runMs?: number } = {}) {
  const emulator: RunningEmulator = await startEmulator({
    apiKeys: [API_KEY],
    queueMs: 500,
    runMs: options.runMs ?? 2_000,
  });
  cleanups.push(() => emulator.close());
  const keyPrefix = `fleet${++prefixes}:`;
  const workers: Worker[] = [];
  const start = (name: string, jobs = options.jobs ?? 5): Worker => {
    const child = runChild(fixture('fleet-worker.ts'), [
      options.redisUrl ?? redis.server.url,
      emulator.baseURL,
      keyPrefix,
      name,
      String(jobs),
    ]);
    const events: WorkerEvent[] = [];
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('{')) events.push(JSON.parse(line) as WorkerEvent);
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit').then(([code]) => {
      if (code !== 0 && code !== null) console.error(`${name} exited ${code}: ${stderr.slice(-2000)}`);
      return code as number | null;
    });
    const worker = { child, events, exited };
    workers.push(worker);
    return worker;
  };
  return { emulator, keyPrefix, workers, start };
}

/** Polls `done()` every 100 ms for up to `ms`. */
async function until(done: () => boolean, ms = 60_000): Promise<void> {
  for (let waited = 0; !done() && waited < ms; waited += 100) await new Promise((r) => setTimeout(r, 100));
  expect(done()).toBe(true);
}

const count = (worker: Worker, event: WorkerEvent['event']) =>
  worker.events.filter((e) => e.event === event).length;

/** Every submitted task of `workers` was created once, and each one's job completed. */
function expectEveryJobOnce(
  emulator: RunningEmulator,
  workers: Worker[],
  jobsEach: number,
  created?: number,
) {
  const submitted = workers.flatMap((w) =>
    w.events.filter((e) => e.event === 'submitted').map((e) => e.taskId),
  );
  const done = workers.flatMap((w) => w.events.filter((e) => e.event === 'done').map((e) => e.taskId));
  expect(workers.flatMap((w) => w.events.filter((e) => e.event === 'failed'))).toEqual([]);
  expect(submitted).toHaveLength(workers.length * jobsEach);
  expect(new Set(submitted).size).toBe(submitted.length);
  expect([...done].sort()).toEqual([...submitted].sort());
  // Exactly one submit reached DashScope per job: no retry created a second, billed task.
  expect(emulator.stats.tasksCreated).toBe(created ?? submitted.length);
}

async function admin(): Promise<Redis> {
  const connection = new Redis(redis.server.url, { maxRetriesPerRequest: 1 });
  cleanups.push(() => connection.disconnect());
  return connection;
}

/** The pid of the process holding the leader lease (its id starts with the pid). */
async function leaderPid(connection: Redis, keyPrefix: string): Promise<number | undefined> {
  const holder = await connection.get(`${keyPrefix}leader`);
  return holder ? Number(holder.split('-')[0]) : undefined;
}

/** Reads the lease holder's pid every 100 ms until `accept` takes it (for up to `ms`); resolves with it. */
async function leaderWhere(
  connection: Redis,
  keyPrefix: string,
  accept: (pid: number | undefined) => boolean,
  ms?: number,
): Promise<number | undefined> {
  let read = false;
  let holder: number | undefined;
  await until(() => {
    void leaderPid(connection, keyPrefix).then((found) => {
      holder = found;
      read = true;
    });
    return read && accept(holder);
  }, ms);
  return holder;
}

/** Three processes of five jobs each, all five submitted, and the pid of the one that leads. */
async function threeSubmittedAndTheirLeader(runMs: number) {
  const run = await fleet({ runMs });
  const connection = await admin();
  for (const name of ['a', 'b', 'c']) run.start(name);
  await until(() => run.workers.every((w) => count(w, 'submitted') === 5));
  const pid = await leaderWhere(connection, run.keyPrefix, (found) => found !== undefined);
  return { ...run, connection, pid };
}

describe('a fleet of processes on one account through Redis', { timeout: 120_000 }, () => {
  it('4 processes × 5 jobs: every job once, no 429, one budget', async () => {
    const { emulator, workers, start } = await fleet();
    for (const name of ['a', 'b', 'c', 'd']) start(name);
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
    expectEveryJobOnce(emulator, workers, 5);
    expect(emulator.stats.throttled).toBe(0);
    expect(workers.flatMap((w) => w.events.filter((e) => e.event === 'warning'))).toEqual([]);
  });

  it('Redis killed mid-run and restarted: every job completes once, one warning per process', async () => {
    const { emulator, workers, start } = await fleet({ runMs: 4_000 });
    for (const name of ['a', 'b', 'c']) start(name);
    await until(() => workers.every((w) => count(w, 'submitted') === 5));
    await redis.server.kill();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await redis.server.restart();
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0]);
    expectEveryJobOnce(emulator, workers, 5);
    for (const worker of workers) expect(count(worker, 'warning')).toBe(1);
  });

  it('Redis never reachable: every job completes once on the local share', async () => {
    const port = await freePort();
    const { emulator, workers, start } = await fleet({ redisUrl: `redis://127.0.0.1:${port}` });
    for (const name of ['a', 'b']) start(name);
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0]);
    expectEveryJobOnce(emulator, workers, 5);
    for (const worker of workers) expect(count(worker, 'warning')).toBe(1);
  });

  it('the leader killed: another process takes the lease and the others finish', async () => {
    // Long jobs: the others are still waiting when the lease lapses.
    const { emulator, workers, connection, keyPrefix, pid } = await threeSubmittedAndTheirLeader(12_000);
    const leader = workers.find((w) => w.child.pid === pid) as Worker;
    expect(leader).toBeDefined();
    leader.child.kill('SIGKILL');
    await leader.exited;
    // Its lease lapses (5 s) and a living process takes it within a few seconds more.
    const holder = await leaderWhere(
      connection,
      keyPrefix,
      (found) => found !== undefined && found !== pid,
      15_000,
    );
    expect(workers.some((w) => w.child.pid === holder && w !== leader)).toBe(true);
    const others = workers.filter((w) => w !== leader);
    expect(await Promise.all(others.map((w) => w.exited))).toEqual([0, 0]);
    // The killed leader's five tasks were created too, and nothing else.
    expectEveryJobOnce(emulator, others, 5, 15);
  });

  it('the leader paused (SIGSTOP) past its lease: the others go on; it resumes and finishes', async () => {
    const { emulator, workers, connection, keyPrefix, pid } = await threeSubmittedAndTheirLeader(4_000);
    const paused = workers.find((w) => w.child.pid === pid) as Worker;
    paused.child.kill('SIGSTOP');
    cleanups.push(() => void paused.child.kill('SIGCONT'));
    const others = workers.filter((w) => w !== paused);
    // The lease (5 s) lapses while it sleeps; the others finish without it.
    await leaderWhere(connection, keyPrefix, (found) => found !== pid, 20_000);
    expect(await Promise.all(others.map((w) => w.exited))).toEqual([0, 0]);
    paused.child.kill('SIGCONT');
    expect(await paused.exited).toBe(0);
    expectEveryJobOnce(emulator, workers, 5);
  });
});
