/**
 * The option and result types of `LivePortraitClient`'s methods, and the mapping of a succeeded task
 * to the {@link VideoResult} users get. Types only, besides that one mapping: the client composes.
 */
import type { DownloadOptions } from './media/download.js';
import type { MediaInput } from './media/sources.js';
import type { SubmitInput, SucceededTask, VideoParams } from './schemas.js';
import type { ProgressEvent } from './wait.js';

/**
 * Options of every call that is one HTTP exchange (with its retries): `getTask()`, `cancelTask()`,
 * `detectImage()`, `submit()`, each page of `listTasks()`, `inspectMedia()`'s reads and downloads.
 * `timeout` and `maxRetries` override the client's for this call only.
 */
export interface RequestOptions {
  /** Aborts the call; it then rejects with `AbortError` whose `cause` is the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Ms to wait for each attempt's answer (`RequestTimeoutError` after). Default: the client's `timeout`. */
  timeout?: number | undefined;
  /** Retries of this call (same rules as the client's). Default: the client's `maxRetries`. */
  maxRetries?: number | undefined;
}

/**
 * Options of `waitForTask()`. Its `timeout` is the deadline of the whole wait, not of one request:
 * each poll uses the client's request timeout, and polls are retried by the wait itself.
 */
export interface WaitForTaskOptions {
  /** Aborts the wait; it then rejects with `AbortError` whose `cause` is the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Overall deadline in ms. Default 15 minutes; `null` waits forever. */
  timeout?: number | null | undefined;
  /** Told whenever the task's status changes. */
  onProgress?: ((event: ProgressEvent) => void) | undefined;
}

/** Options of `downloadVideo()`: progress and abort, and per-request `timeout`/`maxRetries`. */
export interface DownloadVideoOptions extends DownloadOptions, RequestOptions {}

/** Options of `submit()` and `detectImage()`. */
export interface SubmitOptions extends RequestOptions {
  /**
   * Check remote media against the documented limits first (format, size, dimensions, duration),
   * reading only their headers, and reject with `ValidationError` before any job exists. Local files
   * are always checked, with or without this option.
   */
  preflight?: boolean | undefined;
}

/**
 * Input of `submit()`: the six parameters and the two media. Each medium is an http(s) or `oss://`
 * URL, or a local file (path, `file://` URL, Buffer/Uint8Array, Blob), which is checked and uploaded
 * to DashScope's temporary storage first.
 */
export type SubmitMediaInput = Omit<SubmitInput, 'imageUrl' | 'audioUrl'> & {
  imageUrl: MediaInput;
  audioUrl: MediaInput;
};

/** Options of `generateVideo()`: the six model parameters plus how to run and wait. */
export interface GenerateVideoOptions extends VideoParams, WaitForTaskOptions {
  /** See {@link SubmitOptions.preflight}. */
  preflight?: boolean | undefined;
  /** Download the finished video to this path (atomically); the result then has `outputPath`. */
  output?: string | undefined;
  /** Progress of the download to `output`. */
  onDownloadProgress?: DownloadOptions['onProgress'];
  /** Run the image check first and reject with `ImageRejectedError` before any job is created. */
  detect?: boolean | undefined;
  /**
   * Called once the job exists, before any waiting. Persist `taskId` here: a process that dies later
   * can resume with `waitForTask(taskId)`.
   */
  onSubmitted?: ((job: { taskId: string; requestId: string }) => void) | undefined;
}

/** The options of `generateVideo()` that say how to run it, as opposed to the model's parameters. */
export type GenerateRunOptions = Omit<GenerateVideoOptions, keyof VideoParams>;

/**
 * Every run option's name. `satisfies` makes the build fail when an option is added to
 * {@link GenerateVideoOptions} and not here, so a new option can never reach the model's parameters
 * (where the strict schema would refuse it as "not a known option" on every call).
 */
const RUN_OPTIONS = {
  detect: true,
  signal: true,
  timeout: true,
  onProgress: true,
  onSubmitted: true,
  preflight: true,
  output: true,
  onDownloadProgress: true,
} as const satisfies Record<keyof GenerateRunOptions, true>;

/** Splits `generateVideo()`'s options into how to run it and the rest (the model's parameters, checked later). */
export function splitGenerateOptions(options: GenerateVideoOptions): {
  run: GenerateRunOptions;
  params: Record<string, unknown>;
} {
  const run: Record<string, unknown> = {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (Object.hasOwn(RUN_OPTIONS, key)) run[key] = value;
    else params[key] = value;
  }
  return { run: run as GenerateRunOptions, params };
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
  /** Absolute path of the downloaded video, when `output` was given. */
  outputPath?: string | undefined;
}

/** What `generateVideo()` resolves with when `output` was given: the video is on disk at `outputPath`. */
export interface SavedVideoResult extends VideoResult {
  /** Absolute path of the downloaded video. */
  outputPath: string;
}

/** The public view of a succeeded task. */
export function toVideoResult(task: SucceededTask): VideoResult {
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
