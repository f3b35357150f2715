/**
 * `LivePortraitClient` and `generateVideo()`: validate, then compose the endpoints, the transport and
 * the wait. No protocol detail lives here: paths and bodies are in `endpoints.ts` and `schemas.ts`.
 */
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import {
  type DownloadVideoOptions,
  type GenerateVideoOptions,
  type RequestOptions,
  type SavedVideoResult,
  type SubmitMediaInput,
  type SubmitOptions,
  splitGenerateOptions,
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
  SaveFailedError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
import { systemTime, type Time } from './internal/time.js';
import { resolveLogger } from './logger.js';
import { type DownloadResult, downloadToFile } from './media/download.js';
import {
  examineInputs,
  type InputSpec,
  inspectInputs,
  type MediaReport,
  type MediaServices,
  uploadLocalInputs,
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
  type TaskListFilter,
  type TaskStatus,
  toSubmitRequestWire,
  videoParamsSchema,
} from './schemas.js';
import { pageThroughTasks, taskListQueryOf } from './task-list.js';
import { Transport } from './transport.js';
import { checkWaitTimeout, parse, parseTaskId, parseVideoUrl, requestCall } from './validation.js';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule, type WaitOptions, waitForTask } from './wait.js';

/**
 * A DashScope LivePortrait client. One instance holds one keep-alive connection pool: reuse it, and
 * `close()` it when done (or let the process exit; idle sockets do not keep it alive).
 */
export class LivePortraitClient implements AsyncDisposable {
  readonly #transport: Transport;
  readonly #schedule: PollSchedule;
  readonly #options: ClientOptions;
  readonly #config: ResolvedConfig;
  readonly #media: MediaServices;
  /** The account's budget, end detection and job limit, from the coordinator. */
  readonly #coordination: Coordination;
  readonly #time: Time;
  /** Aborted by `close()`: every open wait ends with it (each listens, so no listener limit applies). */
  readonly #closing = noListenerLimit(new AbortController());

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
      // Like polls: the end detector retries (its next sweep), within the budget.
      listTasks: (query, signal) => endpoints.listTasks(this.#transport, query, { signal, maxRetries: 0 }),
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

  /**
   * Checks that a portrait is usable (`liveportrait-detect`). Billed per image. A local image is uploaded
   * first (with the client's request settings; `timeout` and `maxRetries` apply to the check itself).
   */
  async detectImage(image: MediaInput, options: SubmitOptions = {}): Promise<endpoints.DetectResult> {
    const call = requestCall(options);
    const urls = await this.#prepare({ image: { input: image, path: 'imageUrl' } }, {}, 'image URL', options);
    const { imageUrl: url } = parse(imageUrlSchema, { imageUrl: urls.image }, 'image URL');
    return endpoints.detectImage(this.#transport, url, call);
  }

  /**
   * Measures both media from their bytes — real format, size, width/height, duration — reading only
   * headers (ranged GETs for URLs), without the API key, and lists every documented limit they break in
   * `issues`. It measures, it does not refuse: a 200 s WAV gives `durationSec: 200` (`preflight` and
   * submit are what enforce the limits). Rejects with `ValidationError` only when an input cannot be
   * read at all (a missing file, a bad or `oss://` URL; the other input's problems are listed too), or
   * with `MediaUnreachableError` when a URL does not answer. `timeout` and `maxRetries` apply to each read.
   */
  async inspectMedia(
    media: { imageUrl: MediaInput; audioUrl: MediaInput },
    options: RequestOptions = {},
  ): Promise<MediaReport> {
    const call = requestCall(options);
    const services = { ...this.#media, deps: this.#mediaDeps(call) };
    return inspectInputs(services, mediaSpec(media.imageUrl, media.audioUrl), call.signal);
  }

  /**
   * Streams the video to `destPath` through a temporary file synced to disk and renamed into place when
   * complete: on failure or abort nothing is left at `destPath`. An expired link (24 h after the task
   * ended) rejects with `ResultExpiredError`; a missing or unwritable directory or a full disk with
   * `SaveFailedError`, which keeps the task id (when given a result) and the URL to download again.
   * `timeout` bounds the wait for the answer and any silence inside the body; `maxRetries` the attempts
   * (each restarts from byte 0).
   */
  async downloadVideo(
    resultOrUrl: (Pick<VideoResult, 'videoUrl'> & Partial<Pick<VideoResult, 'taskId'>>) | string,
    destPath: string,
    options: DownloadVideoOptions = {},
  ): Promise<DownloadResult> {
    const { videoUrl, taskId } =
      typeof resultOrUrl === 'string' ? { videoUrl: resultOrUrl, taskId: undefined } : resultOrUrl;
    const call = requestCall(options);
    const { signal, onProgress } = options;
    return downloadToFile(this.#mediaDeps(call), { url: parseVideoUrl(videoUrl), taskId }, destPath, {
      signal,
      onProgress,
    });
  }

  /**
   * Creates a video job and returns at once with its id. Not retried where a job might have been
   * created (DashScope has no idempotency key): see the README's section on retries. `timeout` and
   * `maxRetries` apply to the submit request; local files are uploaded with the client's settings.
   */
  async submit(input: SubmitMediaInput, options: SubmitOptions = {}): Promise<endpoints.SubmitResult> {
    const call = requestCall(options);
    const { imageUrl, audioUrl, ...params } = input;
    const urls = await this.#prepare(mediaSpec(imageUrl, audioUrl), params, 'submit input', options);
    const valid = parse(
      submitInputSchema,
      { ...params, imageUrl: urls.image, audioUrl: urls.audio },
      'submit input',
    );
    return endpoints.submitJob(this.#transport, toSubmitRequestWire(valid), call);
  }

  /** One query of a task's state. */
  async getTask(taskId: string, options: RequestOptions = {}): Promise<Task> {
    const id = parseTaskId(taskId);
    const call = requestCall(options);
    // It spends from the same per-account budget as the waits' polls (the transport takes the token).
    return endpoints.queryTask(this.#transport, id, call);
  }

  /**
   * This account's tasks of one model (default `liveportrait`), newest first, optionally of one
   * `status` and submitted between `startTime` and `endTime` (`Date` or epoch ms; DashScope keeps tasks
   * about 24 hours). An async iterable that fetches pages of `pageSize` (default 100) as the loop needs
   * them; each page request spends one query of the account's budget, like `getTask()`, and takes
   * `options` (`signal`, `timeout`, `maxRetries`). A bad filter throws `ValidationError` here, at the call.
   *
   * @example
   * for await (const task of client.listTasks({ status: 'RUNNING', pageSize: 50 })) console.log(task.taskId);
   */
  listTasks(
    filter: TaskListFilter = {},
    options: RequestOptions = {},
  ): AsyncIterableIterator<endpoints.TaskSummary> {
    const query = taskListQueryOf(filter);
    const call = requestCall(options);
    // The transport takes one query token of the account's budget per page.
    return pageThroughTasks(
      (page, pageCall) => endpoints.listTasks(this.#transport, page, pageCall),
      query,
      call,
    );
  }

  /**
   * Cancels a task. DashScope cancels only `PENDING` tasks; others answer with an `APIError`.
   * Resolves whenever the task ends up `CANCELED`, also when it already was: a retried cancel whose
   * first answer was lost is refused as "not PENDING" although it did cancel.
   */
  async cancelTask(taskId: string, options: RequestOptions = {}): Promise<void> {
    const id = parseTaskId(taskId);
    const call = requestCall(options);
    try {
      await endpoints.cancelTask(this.#transport, id, call);
    } catch (error) {
      if (!(error instanceof APIError || error instanceof ConnectionError)) throw error;
      const task = await endpoints.queryTask(this.#transport, id, call).catch(() => undefined);
      if (task?.status !== 'CANCELED') throw error;
    }
  }

  /** Polls a task until it ends. Works for any task id, from any process. */
  async waitForTask(taskId: string, options: WaitForTaskOptions = {}): Promise<VideoResult> {
    const id = parseTaskId(taskId);
    checkWaitTimeout(options.timeout);
    return toVideoResult(await this.#wait(id, options));
  }

  /**
   * Image check (optional), submit, wait: a finished video from two media. With `output`, the video is
   * downloaded there too and the result's `outputPath` is a `string`; if that download fails for any
   * reason but an abort or an expired link, the error is a `SaveFailedError` that keeps the task id and
   * the video URL. `timeout` is the deadline of the wait; each request uses the client's request settings.
   */
  async generateVideo(
    image: MediaInput,
    audio: MediaInput,
    options: GenerateVideoOptions & { output: string },
  ): Promise<SavedVideoResult>;
  async generateVideo(
    image: MediaInput,
    audio: MediaInput,
    options?: GenerateVideoOptions,
  ): Promise<VideoResult>;
  async generateVideo(
    image: MediaInput,
    audio: MediaInput,
    options: GenerateVideoOptions = {},
  ): Promise<VideoResult> {
    const { run, params } = splitGenerateOptions(options);
    const { detect, signal, timeout, onProgress, onSubmitted, preflight, output, onDownloadProgress } = run;
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
      ImageRejectedError.unlessPassed(
        await endpoints.detectImage(this.#transport, valid.imageUrl, { signal }),
      );
    }
    const release = await this.#coordination.jobs.acquire(signal).catch((reason: unknown) => {
      throw new AbortError('The job was aborted while waiting for a free slot', { cause: reason });
    });
    let result: VideoResult;
    try {
      const job = await endpoints.submitJob(this.#transport, toSubmitRequestWire(valid), { signal });
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
    // The job is billed and done: whatever stops the download, the error keeps the task id and the URL.
    const saved = await this.downloadVideo(result, output, { signal, onProgress: onDownloadProgress }).catch(
      (error: unknown) => {
        throw SaveFailedError.of(error, {
          path: resolve(output),
          videoUrl: result.videoUrl,
          taskId: result.taskId,
        });
      },
    );
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

  /** `await using client = new LivePortraitClient()` closes the client when the scope ends: see {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Keeps `util.inspect(client)` short and free of secrets. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `LivePortraitClient { baseURL: '${this.#config.baseURL}' }`;
  }

  /**
   * Validates the parameters and examines the media (local files always, remote ones with `preflight`)
   * in one pass, so one ValidationError lists every problem of both; then uploads local files. Resolves
   * with the URLs to send, by field.
   */
  async #prepare(
    spec: InputSpec,
    params: unknown,
    what: string,
    options: SubmitOptions,
  ): Promise<Partial<Record<MediaField, string>>> {
    const checked = videoParamsSchema.safeParse(params);
    const paramIssues: ValidationIssue[] = checked.success
      ? []
      : ValidationError.fromZod(checked.error).issues;
    const preflight = options.preflight ?? false;
    const examined = await examineInputs(
      this.#media,
      spec,
      (input) => input.kind === 'local' || preflight,
      options.signal,
    );
    const issues = [...paramIssues, ...examined.openIssues, ...examined.limitIssues];
    if (issues.length > 0) throw new ValidationError(issues, what);
    return uploadLocalInputs(this.#media, examined, options.signal);
  }

  /** The media requests' settings with this call's overrides. */
  #mediaDeps(call: endpoints.EndpointCall): MediaServices['deps'] {
    const { deps } = this.#media;
    return { ...deps, timeout: call.timeout ?? deps.timeout, maxRetries: call.maxRetries ?? deps.maxRetries };
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
        fetchTask: (signal) => endpoints.queryTask(this.#transport, taskId, { signal, maxRetries: 0 }),
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
 * With `output`, the result's `outputPath` is a `string`.
 */
export async function generateVideo(
  image: MediaInput,
  audio: MediaInput,
  options: GenerateVideoOptions & { output: string },
): Promise<SavedVideoResult>;
export async function generateVideo(
  image: MediaInput,
  audio: MediaInput,
  options?: GenerateVideoOptions,
): Promise<VideoResult>;
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

/** `controller` without Node's warning at 11 listeners: every open wait of a client listens to it. */
function noListenerLimit(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}

function mediaSpec(image: MediaInput, audio: MediaInput): InputSpec {
  return { image: { input: image, path: 'imageUrl' }, audio: { input: audio, path: 'audioUrl' } };
}
