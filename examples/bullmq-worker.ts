/**
 * Durable LivePortrait jobs with BullMQ: a queue job per video, and never a second bill for one.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 DASHSCOPE_API_KEY=sk-... npx tsx examples/bullmq-worker.ts
 *
 * DashScope has no idempotency key: a submit sent twice is two jobs, billed twice. So the worker
 * stores the task id in the queue job's data right after submit. A retry, or a restart after the
 * worker died (BullMQ's "stalled" jobs), finds the id and waits for that task instead of submitting
 * again. A crash between sending the submit and storing its id cannot be resolved automatically (the
 * task list does not show inputs): such a job fails with a reason saying so, rather than risk a
 * duplicate. Every worker process shares one account budget and one end detection through Redis.
 *
 * `bullmq` is not a dependency of this package: `npm install bullmq ioredis`.
 */
import { pathToFileURL } from 'node:url';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { APIError, type ClientOptions, LivePortraitClient } from 'dashscope-liveportrait';
import { createRedisCoordinator } from 'dashscope-liveportrait/redis';
import { Redis } from 'ioredis';

/** A queue job's data: the inputs, then what the worker learned. */
export interface PortraitJobData {
  imageUrl: string;
  audioUrl: string;
  /** Set just before the submit is sent; with no `taskId`, a crash may have left a job behind. */
  submitting?: boolean;
  /** DashScope's task id, stored as soon as the submit answered. */
  taskId?: string;
}

/** What a finished queue job returns. */
export interface PortraitJobResult {
  taskId: string;
  videoUrl: string;
}

/** Why a job whose submit may have reached DashScope is not submitted again. */
export const UNKNOWN_SUBMIT =
  'a previous attempt stopped after sending the submit and before storing its task id; a job may ' +
  'exist (and be billed) at DashScope. Not submitting again: check the DashScope console for it';

/** Processes one queue job with `client`: submit once, store the id, wait. */
export function processPortraitJob(client: LivePortraitClient) {
  return async (job: Job<PortraitJobData, PortraitJobResult>): Promise<PortraitJobResult> => {
    let { taskId } = job.data;
    if (taskId === undefined) {
      if (job.data.submitting) throw new UnrecoverableError(UNKNOWN_SUBMIT);
      await job.updateData({ ...job.data, submitting: true });
      try {
        ({ taskId } = await client.submit({ imageUrl: job.data.imageUrl, audioUrl: job.data.audioUrl }));
      } catch (error) {
        // DashScope answered with an error: no job exists, so a retry may submit again.
        if (error instanceof APIError) await job.updateData({ ...job.data, submitting: false });
        throw error;
      }
      await job.updateData({ ...job.data, submitting: false, taskId });
    }
    // First attempt or a resumed one: wait for the task whose id is stored.
    const video = await client.waitForTask(taskId);
    return { taskId, videoUrl: video.videoUrl };
  };
}

/** Options of {@link startPortraitWorker}. */
export interface PortraitWorkerOptions {
  /** Redis for BullMQ and for the fleet's shared budget. */
  redisUrl: string;
  queueName?: string;
  /** Queue jobs processed at once by this worker. Default 10. */
  concurrency?: number;
  /** Client options (API key, base URL…); the coordinator is added here. */
  client?: ClientOptions;
  /** BullMQ's lock on an active job, ms: a worker silent this long is presumed dead. Default 30 000. */
  lockDuration?: number;
}

/** A worker and the client it uses; `close()` stops both. */
export function startPortraitWorker(options: PortraitWorkerOptions): {
  worker: Worker;
  close(): Promise<void>;
} {
  // BullMQ's blocking connection must wait forever (maxRetriesPerRequest: null); the coordinator
  // opens its own, with short timeouts, from the same client's settings.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const coordinator = createRedisCoordinator({ redis: connection });
  const client = new LivePortraitClient({ ...options.client, coordinator });
  const worker = new Worker<PortraitJobData, PortraitJobResult>(
    options.queueName ?? 'portraits',
    processPortraitJob(client),
    {
      connection,
      concurrency: options.concurrency ?? 10,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: Math.max(1_000, (options.lockDuration ?? 30_000) / 2),
    },
  );
  return {
    worker,
    async close() {
      await worker.close();
      await client.close();
      connection.disconnect();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { close } = startPortraitWorker({ redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  console.log('worker started; Ctrl-C stops it');
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
}
