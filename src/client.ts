/**
 * `LivePortraitClient` and `generateVideo()`: validate, then compose the endpoints, the transport and
 * the wait. No protocol detail lives here: paths and bodies are in `endpoints.ts` and `schemas.ts`.
 */
import { z } from 'zod';
import { type ClientOptions, resolveConfig } from './config.js';
import * as endpoints from './endpoints.js';
import { ImageRejectedError, ValidationError } from './errors.js';
import { type Clock, type Sleep, systemClock, systemSleep } from './internal/time.js';
import {
  type SubmitInput,
  type SucceededTask,
  submitInputSchema,
  type Task,
  taskIdSchema,
  toSubmitRequestWire,
  type VideoParams,
} from './schemas.js';
import { Transport } from './transport.js';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule, type ProgressEvent, waitForTask } from './wait.js';

/** Options every call accepts. */
export interface RequestOptions {
  /** Aborts the call; it then rejects with `AbortError` whose `cause` is the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** Options of `waitForTask()`. */
export interface WaitForTaskOptions extends RequestOptions {
  /** Overall deadline in ms. Default 15 minutes; `null` waits forever. */
  timeout?: number | null | undefined;
  /** Told whenever the task's status changes. */
  onProgress?: ((event: ProgressEvent) => void) | undefined;
}

/** Options of `generateVideo()`: the six model parameters plus how to run and wait. */
export interface GenerateVideoOptions extends VideoParams, WaitForTaskOptions {
  /** Run the image check first and reject with `ImageRejectedError` before any job is created. */
  detect?: boolean | undefined;
  /**
   * Called once the job exists, before any waiting. Persist `taskId` here: a process that dies later
   * can resume with `waitForTask(taskId)`.
   */
  onSubmitted?: ((job: { taskId: string; requestId: string }) => void) | undefined;
}

/** A finished video. */
export interface VideoResult {
  taskId: string;
  /** `request_id` of the query that saw the task succeed. */
  requestId: string;
  /** Signed URL of the MP4. It stays valid for 24 hours after the task ended: download it before then. */
  videoUrl: string;
  /** Seconds of video generated (what is billed); undefined if DashScope did not report it. */
  videoDuration: number | undefined;
  /** Frame type reported by DashScope, `standard`. */
  videoRatio: string | undefined;
  /** DashScope's timestamps as sent, e.g. `2025-12-26 11:33:03.146` (Beijing time, no zone). */
  submitTime?: string | undefined;
  scheduledTime?: string | undefined;
  endTime?: string | undefined;
}

export type { DetectResult, SubmitResult } from './endpoints.js';

const waitTimeoutSchema = z
  .number({ error: 'must be a number of ms or null' })
  .positive({ error: 'must be a positive number of ms, or null for no deadline' })
  .nullable()
  .optional();

/**
 * A DashScope LivePortrait client. One instance holds one keep-alive connection pool: reuse it, and
 * `close()` it when done (or let the process exit; idle sockets do not keep it alive).
 */
export class LivePortraitClient {
  readonly #transport: Transport;
  readonly #schedule: PollSchedule;
  readonly #clock: Clock = systemClock;
  readonly #sleep: Sleep = systemSleep;
  readonly #options: ClientOptions;
  readonly #baseURL: string;

  /** @throws ConfigurationError when no API key is given or found, or the base URL is unusable. */
  constructor(options: ClientOptions = {}) {
    const config = resolveConfig(options);
    this.#options = options;
    this.#baseURL = config.baseURL;
    this.#schedule = { ...DEFAULT_POLL_SCHEDULE, ...options.pollSchedule };
    this.#transport = new Transport({
      ...config,
      dispatcher: options.dispatcher,
      defaultHeaders: options.defaultHeaders,
      workspace: options.workspace,
      logger: options.logger,
      sleep: this.#sleep,
      random: Math.random,
    });
  }

  /** Checks that a portrait is usable (`liveportrait-detect`). Billed per image. */
  async detectImage(imageUrl: string, options: RequestOptions = {}): Promise<endpoints.DetectResult> {
    const { imageUrl: url } = parse(submitInputSchema.pick({ imageUrl: true }), { imageUrl }, 'image URL');
    return endpoints.detectImage(this.#transport, url, options.signal);
  }

  /**
   * Creates a video job and returns at once with its id. Not retried where a job might have been
   * created (DashScope has no idempotency key): see the README's section on retries.
   */
  async submit(input: SubmitInput, options: RequestOptions = {}): Promise<endpoints.SubmitResult> {
    const valid = parse(submitInputSchema, input, 'submit input');
    return endpoints.submitJob(this.#transport, toSubmitRequestWire(valid), options.signal);
  }

  /** One query of a task's state. */
  async getTask(taskId: string, options: RequestOptions = {}): Promise<Task> {
    return endpoints.queryTask(this.#transport, parseTaskId(taskId), options.signal);
  }

  /** Cancels a task. DashScope cancels only `PENDING` tasks; others answer with an `APIError`. */
  async cancelTask(taskId: string, options: RequestOptions = {}): Promise<void> {
    return endpoints.cancelTask(this.#transport, parseTaskId(taskId), options.signal);
  }

  /** Polls a task until it ends. Works for any task id, from any process. */
  async waitForTask(taskId: string, options: WaitForTaskOptions = {}): Promise<VideoResult> {
    const id = parseTaskId(taskId);
    parse(waitTimeoutSchema, options.timeout, 'timeout');
    return toVideoResult(await this.#wait(id, options, 0));
  }

  /** Image check (optional), submit, wait: a finished video from two URLs. */
  async generateVideo(
    imageUrl: string,
    audioUrl: string,
    options: GenerateVideoOptions = {},
  ): Promise<VideoResult> {
    const { detect, signal, timeout, onProgress, onSubmitted, ...params } = options;
    const valid = parse(submitInputSchema, { imageUrl, audioUrl, ...params }, 'generateVideo input');
    parse(waitTimeoutSchema, timeout, 'timeout');
    if (detect) {
      const check = await endpoints.detectImage(this.#transport, valid.imageUrl, signal);
      if (!check.pass) throw new ImageRejectedError(check.message, check.requestId);
    }
    const job = await endpoints.submitJob(this.#transport, toSubmitRequestWire(valid), signal);
    onSubmitted?.({ taskId: job.taskId, requestId: job.requestId });
    // A task just submitted is PENDING: the first poll can wait one gap.
    return toVideoResult(
      await this.#wait(job.taskId, { signal, timeout, onProgress }, this.#schedule.initialMs),
    );
  }

  /** Closes the connection pool this client created (a `dispatcher` you passed stays yours). */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** Keeps `util.inspect(client)` short and free of secrets. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `LivePortraitClient { baseURL: '${this.#baseURL}' }`;
  }

  #wait(taskId: string, options: WaitForTaskOptions, firstPollAfterMs: number): Promise<SucceededTask> {
    return waitForTask(
      {
        fetchTask: (signal) => endpoints.queryTask(this.#transport, taskId, signal),
        clock: this.#clock,
        sleep: this.#sleep,
        random: Math.random,
        logger: this.#options.logger,
      },
      { taskId, ...options, schedule: this.#schedule, firstPollAfterMs },
    );
  }
}

/**
 * Generates a video with a client built from the environment (`DASHSCOPE_API_KEY`,
 * `DASHSCOPE_HTTP_BASE_URL`), closing it afterwards. For many videos, make one `LivePortraitClient`.
 */
export async function generateVideo(
  imageUrl: string,
  audioUrl: string,
  options: GenerateVideoOptions = {},
): Promise<VideoResult> {
  const client = new LivePortraitClient();
  try {
    return await client.generateVideo(imageUrl, audioUrl, options);
  } finally {
    await client.close();
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(result.error, what);
  return result.data;
}

function parseTaskId(taskId: string): string {
  const result = taskIdSchema.safeParse(taskId);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ path: 'taskId', message: issue.message })),
      'task id',
    );
  }
  return result.data;
}

function toVideoResult(task: SucceededTask): VideoResult {
  return {
    taskId: task.taskId,
    requestId: task.requestId,
    videoUrl: task.videoUrl,
    videoDuration: task.videoDuration,
    videoRatio: task.videoRatio,
    submitTime: task.submitTime,
    scheduledTime: task.scheduledTime,
    endTime: task.endTime,
  };
}
