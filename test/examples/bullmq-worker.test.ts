/**
 * examples/bullmq-worker.ts against a real redis-server and the emulator: a worker process killed
 * mid-wait leaves its jobs to a second worker, which finishes every one with exactly one submit each
 * (the emulator counts them); a job whose submit may have gone out without its id being stored fails
 * with a reason instead of being submitted again.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type PortraitJobData, startPortraitWorker, UNKNOWN_SUBMIT } from '../../examples/bullmq-worker.js';
import { type RunningEmulator, startEmulator } from '../../src/testing/index.js';
import { runChild, useRedisServer } from '../redis/helpers.js';

const redis = useRedisServer();
const API_KEY = 'sk-test-0123456789abcdef';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const child = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function setup(): Promise<{ emulator: RunningEmulator; queue: Queue<PortraitJobData> }> {
  const emulator = await startEmulator({ apiKeys: [API_KEY], queueMs: 500, runMs: 6_000 });
  cleanups.push(() => emulator.close());
  const queue = new Queue<PortraitJobData>('portraits-test', { connection: { port: redis.server.port } });
  cleanups.push(() => queue.close());
  await queue.obliterate({ force: true });
  return { emulator, queue };
}

async function until(done: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  for (let waited = 0; !(await done()) && waited < ms; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await done()).toBe(true);
}

describe('examples/bullmq-worker.ts', { timeout: 120_000 }, () => {
  it('a second worker finishes every job of a worker killed mid-wait, one submit each', async () => {
    const { emulator, queue } = await setup();
    const jobs = await queue.addBulk(
      Array.from({ length: 6 }, (_, i) => ({
        name: 'portrait',
        data: {
          imageUrl: 'https://example.com/face.png',
          audioUrl: `https://example.com/voice.mp3?job=${i}`,
        },
        opts: { attempts: 3 },
      })),
    );
    const first = runChild(child('bullmq-child.ts'), [redis.server.url, emulator.baseURL]);
    // Every job submitted and its id stored: the worker is now waiting.
    const stored = async () =>
      (await Promise.all(jobs.map((job) => queue.getJob(job.id as string)))).filter((job) => job?.data.taskId)
        .length;
    await until(async () => (await stored()) === 6);
    expect(emulator.stats.tasksCreated).toBe(6);
    first.kill('SIGKILL');
    await once(first, 'exit');

    const second = runChild(child('bullmq-child.ts'), [redis.server.url, emulator.baseURL]);
    await until(async () => (await queue.getJobCounts('completed')).completed === 6);
    second.kill('SIGTERM');

    const done = await Promise.all(jobs.map((job) => queue.getJob(job.id as string)));
    const taskIds = done.map((job) => job?.data.taskId);
    expect(new Set(taskIds).size).toBe(6);
    for (const job of done) expect(job?.returnvalue).toMatchObject({ taskId: job?.data.taskId });
    // Exactly one submit per job reached DashScope: the second worker resumed, it did not resubmit.
    expect(emulator.stats.tasksCreated).toBe(6);
    expect(emulator.log.filter((entry) => entry.route === 'submit')).toHaveLength(6);
  });

  it('fails a job whose submit may have gone out without its id being stored, without submitting', async () => {
    const { emulator, queue } = await setup();
    const events = new QueueEvents('portraits-test', { connection: { port: redis.server.port } });
    cleanups.push(() => events.close());
    await events.waitUntilReady();
    const worker = startPortraitWorker({
      redisUrl: redis.server.url,
      queueName: 'portraits-test',
      client: { apiKey: API_KEY, baseURL: emulator.baseURL },
    });
    cleanups.push(() => worker.close());
    const job = await queue.add(
      'portrait',
      {
        imageUrl: 'https://example.com/face.png',
        audioUrl: 'https://example.com/voice.mp3',
        submitting: true,
      },
      { attempts: 3 },
    );
    const failed = new Promise<string>((resolve) =>
      events.on('failed', ({ jobId, failedReason }) => {
        if (jobId === job.id) resolve(failedReason);
      }),
    );
    expect(await failed).toBe(UNKNOWN_SUBMIT);
    // Not retried (UnrecoverableError), and nothing reached DashScope.
    expect((await queue.getJob(job.id as string))?.attemptsMade).toBe(1);
    expect(emulator.stats.tasksCreated).toBe(0);
  });
});
