/**
 * The LivePortrait video model for the Vercel AI SDK: `doGenerate` (specification v3, what
 * `experimental_generateVideo` calls on `ai` 6 and 7) runs the job through `LivePortraitClient`, so it
 * waits with the client's scheduler; `doStart`/`doStatus` (the start/status pair of specification v4,
 * used by `experimental_startVideo`, `experimental_getVideoStatus` and `generateVideo({ poll })` on
 * `ai` 7) submit a job and read it back by its task id.
 *
 * Built from closures, not a class with private fields: `ai` 7 wraps a v3 model in a Proxy, and
 * methods reading `#private` fields through a Proxy throw.
 */
import type {
  JSONValue,
  SharedV3ProviderMetadata,
  SharedV3Warning,
  Experimental_VideoModelV3CallOptions as VideoCallOptions,
  Experimental_VideoModelV3 as VideoModelV3,
} from '@ai-sdk/provider';
import {
  AbortError,
  ImageRejectedError,
  type LivePortraitClient,
  type Task,
  TaskCanceledError,
  TaskFailedError,
  TaskUnknownError,
  ValidationError,
  type VideoResult,
} from 'dashscope-liveportrait';
import { PROVIDER_KEY, toLivePortraitJob } from './call-options.js';

/** The one model id: DashScope's `liveportrait`. */
export type LivePortraitVideoModelId = 'liveportrait';

/** Telemetry part of every result, as the AI SDK specifies it. */
export interface LivePortraitResponseInfo {
  timestamp: Date;
  modelId: string;
  /** DashScope's answers are not exposed by the client: always undefined. */
  headers: Record<string, string> | undefined;
}

/**
 * What `doStart` hands the AI SDK to persist: the DashScope task id, as JSON. A type alias, not an
 * interface: only a type alias is assignable to the AI SDK's `JSONValue`.
 */
export type LivePortraitOperation = { taskId: string };

/** Result of {@link LivePortraitVideoModel.doStart} (the shape of specification v4's start result). */
export interface LivePortraitStartResult {
  operation: LivePortraitOperation;
  warnings: SharedV3Warning[];
  providerMetadata: SharedV3ProviderMetadata;
  response: LivePortraitResponseInfo;
}

/** Result of {@link LivePortraitVideoModel.doStatus} (the shape of specification v4's status result). */
export type LivePortraitStatusResult =
  | {
      status: 'pending';
      warnings?: SharedV3Warning[];
      providerMetadata: SharedV3ProviderMetadata;
      response: LivePortraitResponseInfo;
    }
  | {
      status: 'completed';
      videos: Array<{ type: 'url'; url: string; mediaType: string }>;
      warnings: SharedV3Warning[];
      providerMetadata: SharedV3ProviderMetadata;
      response: LivePortraitResponseInfo;
    }
  | {
      status: 'error';
      /** The message of the error `waitForTask` would throw (`TaskFailedError`, …). */
      error: string;
      providerMetadata: SharedV3ProviderMetadata;
      response: LivePortraitResponseInfo;
    };

/**
 * A LivePortrait video model: a specification v3 model (accepted by `ai` 6 and 7) that also has the
 * v4 start/status pair, which `ai` 7 finds and uses.
 */
export type LivePortraitVideoModel = VideoModelV3 & {
  /** Submits the job and returns at once; the operation is `{ taskId }`. */
  doStart(options: VideoCallOptions & { webhookUrl?: string | undefined }): Promise<LivePortraitStartResult>;
  /** One query of the task named by an operation from `doStart`. */
  doStatus(options: {
    operation: JSONValue;
    abortSignal?: AbortSignal | undefined;
    headers?: Record<string, string | undefined> | undefined;
  }): Promise<LivePortraitStatusResult>;
};

/** Builds the model; `getClient` makes the client on first use, so a missing key fails only then. */
export function createVideoModel(
  getClient: () => LivePortraitClient,
  modelId: LivePortraitVideoModelId,
): LivePortraitVideoModel {
  const response = (): LivePortraitResponseInfo => ({ timestamp: new Date(), modelId, headers: undefined });

  return {
    specificationVersion: 'v3',
    provider: PROVIDER_KEY,
    modelId,
    // One job makes one video; `n: 2` becomes two jobs in the AI SDK, each billed.
    maxVideosPerCall: 1,

    async doGenerate(options) {
      const job = toLivePortraitJob(options);
      let taskId: string | undefined;
      try {
        const video = await getClient().generateVideo(job.image, job.audio, {
          ...job.params,
          detect: job.detect,
          signal: options.abortSignal,
          onSubmitted: (submitted) => {
            taskId = submitted.taskId;
          },
        });
        return {
          videos: [videoOf(video)],
          warnings: job.warnings,
          providerMetadata: { [PROVIDER_KEY]: resultMetadata(video) },
          response: response(),
        };
      } catch (error) {
        throw naming(taskId, error);
      }
    },

    async doStart(options) {
      const job = toLivePortraitJob(options);
      const warnings = [...job.warnings];
      if (options.webhookUrl !== undefined)
        warnings.push({ type: 'unsupported', feature: 'webhook', details: 'DashScope sends no webhooks' });
      const client = getClient();
      const signal = options.abortSignal;
      if (job.detect) {
        const check = await client.detectImage(job.image, { signal });
        if (!check.pass) throw new ImageRejectedError(check.message, check.requestId);
      }
      const submitted = await client.submit(
        { imageUrl: job.image, audioUrl: job.audio, ...job.params },
        { signal },
      );
      const { taskId, requestId } = submitted;
      return {
        operation: { taskId },
        warnings,
        providerMetadata: { [PROVIDER_KEY]: { taskId, requestId } },
        response: response(),
      };
    },

    async doStatus(options) {
      const taskId = taskIdOf(options.operation);
      const task = await getClient().getTask(taskId, { signal: options.abortSignal });
      return statusOf(task, response());
    },
  };
}

function videoOf(video: Pick<VideoResult, 'videoUrl'>) {
  return { type: 'url' as const, url: video.videoUrl, mediaType: 'video/mp4' };
}

/** `providerMetadata.liveportrait` of a finished video. Absent numbers are `null`: metadata is JSON. */
function resultMetadata(video: Pick<VideoResult, 'taskId' | 'requestId' | 'videoDuration' | 'videoRatio'>) {
  return {
    taskId: video.taskId,
    requestId: video.requestId,
    videoDuration: video.videoDuration ?? null,
    videoRatio: video.videoRatio ?? null,
  };
}

/**
 * An abort after submit loses nothing: the new error names the task, which keeps running on
 * DashScope and can be resumed. Its `cause` stays the signal's reason, as for every `AbortError`.
 */
function naming(taskId: string | undefined, error: unknown): unknown {
  if (taskId === undefined || !(error instanceof AbortError)) return error;
  return new AbortError(
    `The wait for task ${taskId} was aborted; the job keeps running on DashScope: ` +
      `resume with waitForTask('${taskId}') or experimental_getVideoStatus`,
    { cause: error.cause },
  );
}

function taskIdOf(operation: JSONValue): string {
  const taskId =
    typeof operation === 'object' && operation !== null && !Array.isArray(operation)
      ? operation.taskId
      : undefined;
  if (typeof taskId === 'string') return taskId;
  throw new ValidationError(
    [{ path: 'operation', message: 'must be the { taskId } that doStart returned' }],
    'LivePortrait operation',
  );
}

/** A task as the v4 status result: ends that `waitForTask` throws for are `error`, with its message. */
function statusOf(task: Task, response: LivePortraitResponseInfo): LivePortraitStatusResult {
  const { taskId, requestId } = task;
  switch (task.status) {
    case 'SUCCEEDED':
      return {
        status: 'completed',
        videos: [videoOf(task)],
        warnings: [],
        providerMetadata: { [PROVIDER_KEY]: resultMetadata(task) },
        response,
      };
    case 'FAILED':
      return {
        status: 'error',
        error: new TaskFailedError({ taskId, requestId, code: task.code, message: task.message }).message,
        providerMetadata: { [PROVIDER_KEY]: { taskId, requestId, taskStatus: task.status, code: task.code } },
        response,
      };
    case 'CANCELED':
    case 'UNKNOWN': {
      const ended = task.status === 'CANCELED' ? TaskCanceledError : TaskUnknownError;
      return {
        status: 'error',
        error: new ended({ taskId, requestId }).message,
        providerMetadata: { [PROVIDER_KEY]: { taskId, requestId, taskStatus: task.status } },
        response,
      };
    }
    default:
      return {
        status: 'pending',
        providerMetadata: { [PROVIDER_KEY]: { taskId, requestId, taskStatus: task.rawStatus } },
        response,
      };
  }
}
