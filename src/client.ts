/**
 * `LivePortraitClient` and `generateVideo()`: validate, then compose the endpoints, the transport and
 * the wait. No protocol detail lives here: paths and bodies are in `endpoints.ts` and `schemas.ts`.
 */
import {
  type GenerateVideoOptions,
  type RequestOptions,
  type SubmitMediaInput,
  type SubmitOptions,
  toVideoResult,
  type VideoResult,
  type WaitForTaskOptions,
} from './client-types.js';
import { type ClientOptions, type ResolvedConfig, resolveConfig } from './config.js';
import * as endpoints from './endpoints.js';
import {
  AbortError,
  APIError,
  ConnectionError,
  ImageRejectedError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
import { systemTime, type Time } from './internal/time.js';
import { resolveLogger } from './logger.js';
import { type DownloadOptions, type DownloadResult, downloadToFile } from './media/download.js';
import {
  checkInputs,
  type InputSpec,
  type MediaReport,
  type MediaServices,
  openInputs,
  resolveMediaUrls,
  toReport,
} from './media/prepare.js';
import type { MediaField, MediaInput } from './media/sources.js';
import { Uploader } from './media/upload.js';
import { createLocalCoordinator } from './polling/coordinator.js';
import type { Coordination } from './polling/ports.js';
import {
  type SucceededTask,
  submitInputSchema,
  TASK_STATUSES,
  type Task,
  type TaskStatus,
  toSubmitRequestWire,
  videoParamsSchema,
} from './schemas.js';
import { Transport } from './transport.js';
import { checkWaitTimeout, parse, parseTaskId, parseVideoUrl } from './validation.js';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule, type WaitOptions, waitForTask } from './wait.js';

/**
 * A DashScope LivePortrait client. One instance holds one keep-alive connection pool: reuse it, and
 * `close()` it when done (or let the process exit; idle sockets do not keep it alive).
 */
export class LivePortraitClient {
  readonly #transport: Transport;
  readonly #schedule: PollSchedule;
  readonly #options: ClientOptions;
  readonly #config: ResolvedConfig;
  readonly #media: MediaServices;
  /** The account's budget, end detection and job limit, from the coordinator. */
  readonly #coordination: Coordination;
  readonly #time: Time;
  /** Aborted by `close()`: every open wait ends with it. */
  readonly #closing = new AbortController();

  /** @throws ConfigurationError when no API key is given or found, or the base URL is unusable. */
  constructor(options: ClientOptions = {}) {
    // Every logger below gets redacted lines; without one, DASHSCOPE_LOG=debug logs to stderr.
    options = { ...options, logger: resolveLogger(options.logger) };
    const config = resolveConfig(options);
    this.#options = options;
    this.#config = config;
    this.#schedule = { ...DEFAULT_POLL_SCHEDULE, ...options.pollSchedule };
    const coordinator =
      options.coordinator ??
      createLocalCoordinator({
        queriesPerSecond: config.pollBudget,
        maxConcurrentJobs: config.maxConcurrentJobs,
        // Sweeps need not look more often than the waits would poll where an end is likely.
        sweepIntervalMs: this.#schedule.initialMs,
      });
    this.#coordination = coordinator.connect({
      listTasks: (query, signal) => endpoints.listTasks(this.#transport, query, signal),
      logger: options.logger,
    });
    this.#time = this.#coordination.time ?? systemTime;
    this.#transport = new Transport({
      ...config,
      dispatcher: options.dispatcher,
      defaultHeaders: options.defaultHeaders,
      workspace: options.workspace,
      logger: options.logger,
      budget: this.#coordination.budget,
      sleep: this.#time.sleep,
      random: Math.random,
    });
    const mediaDeps = {
      dispatcher: this.#transport.dispatcher,
      timeout: config.timeout,
      maxRetries: config.maxRetries,
      maxRetryDelay: config.maxRetryDelay,
      sleep: this.#time.sleep,
      random: Math.random,
    };
    this.#media = { deps: mediaDeps, uploader: new Uploader(this.#transport, mediaDeps) };
  }

  /** Checks that a portrait is usable (`liveportrait-detect`). Billed per image. A local image is uploaded first. */
  async detectImage(image: MediaInput, options: SubmitOptions = {}): Promise<endpoints.DetectResult> {
    const urls = await this.#prepare({ image: { input: image, path: 'imageUrl' } }, {}, 'image URL', options);
    const { imageUrl: url } = parse(imageUrlSchema, { imageUrl: urls.image }, 'image URL');
    return endpoints.detectImage(this.#transport, url, options.signal);
  }

  /**
   * Measures both media from their bytes — real format, size, width/height, duration — reading only
   * headers (ranged GETs for URLs), without the API key. Rejects with `ValidationError` naming every
   * broken limit, or `MediaUnreachableError` when a URL cannot be read. `oss://` URLs cannot be read back.
   */
  async inspectMedia(
    media: { imageUrl: MediaInput; audioUrl: MediaInput },
    options: RequestOptions = {},
  ): Promise<MediaReport> {
    const { opened, issues } = await openInputs(mediaSpec(media.imageUrl, media.audioUrl));
    for (const [field, input] of Object.entries(opened)) {
      if (input.kind === 'remote' && input.url.startsWith('oss:'))
        issues.push({ path: `${field}Url`, message: 'is in temporary storage, which cannot be read back' });
    }
    if (issues.length > 0) throw new ValidationError(issues, 'media');
    return toReport(await checkInputs(this.#media, opened, () => true, options.signal));
  }

  /**
   * Streams the video to `destPath` through a temporary file synced to disk and renamed into place when
   * complete: on failure or abort nothing is left at `destPath`. An expired link (24 h after the task
   * ended) rejects with `ResultExpiredError`; a missing or unwritable directory or a full disk with
   * `SaveFailedError`, which keeps the task id (when given a result) and the URL to download again.
   */
  async downloadVideo(
    resultOrUrl: (Pick<VideoResult, 'videoUrl'> & Partial<Pick<VideoResult, 'taskId'>>) | string,
    destPath: string,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    const { videoUrl, taskId } =
      typeof resultOrUrl === 'string' ? { videoUrl: resultOrUrl, taskId: undefined } : resultOrUrl;
    return downloadToFile(this.#media.deps, { url: parseVideoUrl(videoUrl), taskId }, destPath, options);
  }

  /**
   * Creates a video job and returns at once with its id. Not retried where a job might have been
   * created (DashScope has no idempotency key): see the README's section on retries.
   */
  async submit(input: SubmitMediaInput, options: SubmitOptions = {}): Promise<endpoints.SubmitResult> {
    const { imageUrl, audioUrl, ...params } = input;
    const urls = await this.#prepare(mediaSpec(imageUrl, audioUrl), params, 'submit input', options);
    const valid = parse(
      submitInputSchema,
      { ...params, imageUrl: urls.image, audioUrl: urls.audio },
      'submit input',
    );
    return endpoints.submitJob(this.#transport, toSubmitRequestWire(valid), options.signal);
  }

  /** One query of a task's state. */
  async getTask(taskId: string, options: RequestOptions = {}): Promise<Task> {
    const id = parseTaskId(taskId);
    // It spends from the same per-account budget as the waits' polls (the transport takes the token).
    return endpoints.queryTask(this.#transport, id, options.signal);
  }

  /**
   * Cancels a task. DashScope cancels only `PENDING` tasks; others answer with an `APIError`.
   * Resolves whenever the task ends up `CANCELED`, also when it already was: a retried cancel whose
   * first answer was lost is refused as "not PENDING" although it did cancel.
   */
  async cancelTask(taskId: string, options: RequestOptions = {}): Promise<void> {
    const id = parseTaskId(taskId);
    try {
      await endpoints.cancelTask(this.#transport, id, options.signal);
    } catch (error) {
      if (!(error instanceof APIError || error instanceof ConnectionError)) throw error;
      const task = await endpoints.queryTask(this.#transport, id, options.signal).catch(() => undefined);
      if (task?.status !== 'CANCELED') throw error;
    }
  }

  /** Polls a task until it ends. Works for any task id, from any process. */
  async waitForTask(taskId: string, options: WaitForTaskOptions = {}): Promise<VideoResult> {
    const id = parseTaskId(taskId);
    checkWaitTimeout(options.timeout);
    return toVideoResult(await this.#wait(id, options));
  }

  /** Image check (optional), submit, wait: a finished video from two URLs. */
  async generateVideo(
    image: MediaInput,
    audio: MediaInput,
    options: GenerateVideoOptions = {},
  ): Promise<VideoResult> {
    const {
      detect,
      signal,
      timeout,
      onProgress,
      onSubmitted,
      preflight,
      output,
      onDownloadProgress,
      ...params
    } = options;
    checkWaitTimeout(timeout);
    const urls = await this.#prepare(mediaSpec(image, audio), params, 'generateVideo input', {
      preflight,
      signal,
    });
    const valid = parse(
      submitInputSchema,
      { imageUrl: urls.image, audioUrl: urls.audio, ...params },
      'generateVideo input',
    );
    if (detect) {
      const check = await endpoints.detectImage(this.#transport, valid.imageUrl, signal);
      if (!check.pass) throw new ImageRejectedError(check.message, check.requestId);
    }
    const release = await this.#coordination.jobs.acquire(signal).catch((reason: unknown) => {
      throw new AbortError('The job was aborted while waiting for a free slot', { cause: reason });
    });
    let result: VideoResult;
    try {
      const job = await endpoints.submitJob(this.#transport, toSubmitRequestWire(valid), signal);
      const submittedAt = this.#time.wallNow();
      onSubmitted?.({ taskId: job.taskId, requestId: job.requestId });
      // A task just submitted is PENDING: the first poll can wait one gap, and a timeout before it says so.
      const wait = {
        signal,
        timeout,
        onProgress,
        initialStatus: submittedStatus(job.status),
        firstPollAfterMs: this.#schedule.initialMs,
        submittedAt,
      };
      result = toVideoResult(await this.#wait(job.taskId, wait));
    } finally {
      release();
    }
    if (output === undefined) return result;
    const saved = await this.downloadVideo(result, output, { signal, onProgress: onDownloadProgress });
    return { ...result, outputPath: saved.path };
  }

  /**
   * Closes the connection pool this client created (a `dispatcher` you passed stays yours). Waits still
   * open reject with `AbortError`; the jobs themselves keep running on DashScope.
   */
  async close(): Promise<void> {
    this.#closing.abort(new Error('client closed'));
    await this.#coordination.close();
    await this.#transport.close();
  }

  /** Keeps `util.inspect(client)` short and free of secrets. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `LivePortraitClient { baseURL: '${this.#config.baseURL}' }`;
  }

  /**
   * Validates the parameters and classifies/opens the media in one pass (so one ValidationError lists
   * every problem), then checks and uploads the media: the URLs to send, by field.
   */
  async #prepare(
    spec: InputSpec,
    params: unknown,
    what: string,
    options: SubmitOptions,
  ): Promise<Partial<Record<MediaField, string>>> {
    const { opened, issues } = await openInputs(spec);
    const checked = videoParamsSchema.safeParse(params);
    const paramIssues: ValidationIssue[] = checked.success
      ? []
      : ValidationError.fromZod(checked.error).issues;
    if (issues.length + paramIssues.length > 0) throw new ValidationError([...paramIssues, ...issues], what);
    return resolveMediaUrls(this.#media, opened, {
      preflight: options.preflight ?? false,
      signal: options.signal,
    });
  }

  /**
   * `submittedAt`: when this client submitted the task (epoch ms), so bulk sweeps cover it at once;
   * `initialStatus`: what submit said, for a timeout before the first poll.
   */
  #wait(
    taskId: string,
    options: WaitForTaskOptions & Pick<WaitOptions, 'firstPollAfterMs' | 'submittedAt' | 'initialStatus'>,
  ): Promise<SucceededTask> {
    return waitForTask(
      {
        // No transport retries: the wait's next poll is its retry, on its schedule.
        fetchTask: (signal) => endpoints.queryTask(this.#transport, taskId, signal, 0),
        time: this.#time,
        random: Math.random,
        logger: this.#options.logger,
        detector: this.#coordination.detector,
        closed: this.#closing.signal,
        maxRetryDelay: this.#config.maxRetryDelay,
      },
      { taskId, ...options, schedule: this.#schedule },
    );
  }
}

/** The image check's one input, built once rather than on every call. */
const imageUrlSchema = submitInputSchema.pick({ imageUrl: true });

/**
 * Generates a video with a client built from the environment (`DASHSCOPE_API_KEY`,
 * `DASHSCOPE_HTTP_BASE_URL`), closing it afterwards. For many videos, make one `LivePortraitClient`.
 */
export async function generateVideo(
  image: MediaInput,
  audio: MediaInput,
  options: GenerateVideoOptions = {},
): Promise<VideoResult> {
  const client = new LivePortraitClient();
  try {
    return await client.generateVideo(image, audio, options);
  } finally {
    await client.close();
  }
}

/** Submit's `task_status` as a known status, for the wait's timeout error; anything else is not one. */
function submittedStatus(status: string): TaskStatus | undefined {
  return (TASK_STATUSES as readonly string[]).includes(status) ? (status as TaskStatus) : undefined;
}

function mediaSpec(image: MediaInput, audio: MediaInput): InputSpec {
  return { image: { input: image, path: 'imageUrl' }, audio: { input: audio, path: 'audioUrl' } };
}
