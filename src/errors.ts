/**
 * The SDK's one error tree. Which error an HTTP answer becomes is decided in `error-mapping.ts`.
 *
 * Every error the SDK throws extends {@link LivePortraitError}, so `catch (e) { if (e instanceof
 * LivePortraitError) … }` is exhaustive. No error carries request headers, so the API key can never
 * end up in a message, a stack, `JSON.stringify(err)` or `util.inspect(err)`.
 *
 * `instanceof` works across copies of this package (its CommonJS and ESM builds loaded side by side,
 * or two installs in one tree): see `internal/brand.ts`.
 */
import type { z } from 'zod';
import { brandClasses, isBrandedInstance } from './internal/brand.js';

/** Base class of every error thrown by this SDK. */
export class LivePortraitError extends Error {
  override readonly name: string = 'LivePortraitError';

  /**
   * `instanceof` that also recognizes errors made by another copy of this package (the other module
   * format, another version in the tree): an error is an instance of `ValidationError` when it was made
   * by any copy's `ValidationError` or a subclass of it, and of nothing else.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class right of `instanceof`, a subclass too.
    return isBrandedInstance(this, value);
  }

  /** Enumerable fields only, so `JSON.stringify(err)` carries the useful parts and nothing more. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, message: this.message };
  }
}

/** The client cannot be built as configured: no API key, a bad base URL, an insecure URL. */
export class ConfigurationError extends LivePortraitError {
  override readonly name = 'ConfigurationError';
}

/** One problem found in the caller's input: where (`path`, e.g. `videoFps`) and what is wrong. */
export interface ValidationIssue {
  /** Dotted path of the offending field; empty for the input as a whole. */
  path: string;
  /** What is wrong and what is allowed, e.g. `must be an integer from 15 to 30 (inclusive); got 31`. */
  message: string;
}

/** Input rejected locally, before anything was sent. Lists every failing field. */
export class ValidationError extends LivePortraitError {
  override readonly name = 'ValidationError';
  /** Every problem found, one per field. */
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], what = 'input') {
    const lines = issues.map((issue) => (issue.path ? `${issue.path} ${issue.message}` : issue.message));
    super(`Invalid ${what}: ${lines.join('; ')}`);
    this.issues = issues;
  }

  /** Builds the error from zod's issues, one entry per field, with unknown keys named one by one. */
  static fromZod(error: z.ZodError, what?: string): ValidationError {
    const issues = error.issues.flatMap((issue): ValidationIssue[] => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          path: path ? `${path}.${key}` : key,
          message: 'is not a known option',
        }));
      }
      return [{ path, message: issue.message }];
    });
    return new ValidationError(issues, what);
  }
}

/** Fields shared by every error that DashScope answered with. */
export interface APIErrorDetails {
  /** HTTP status of the answer (200 when an error body came with a 200). */
  status: number;
  /** DashScope's error code, e.g. `InvalidParameter`; `InvalidResponse` when the body was not understood. */
  code: string;
  /** DashScope's `request_id`, for support tickets; undefined when the answer had none. */
  requestId: string | undefined;
  /** How long the server asked us to wait, from `Retry-After` (any status: 429, 503, …). */
  retryAfterMs?: number | undefined;
}

/** DashScope (or a gateway in front of it) answered with an error. */
export class APIError extends LivePortraitError {
  override readonly name: string = 'APIError';
  /** HTTP status of the answer (200 when an error body came with a 200). */
  readonly status: number;
  /** DashScope's error code, e.g. `InvalidParameter`; `HTTP502` for a non-JSON answer, `InvalidResponse` for one not understood. */
  readonly code: string;
  /** DashScope's `request_id`, for support tickets. */
  readonly requestId: string | undefined;
  /**
   * How long the server asked us to wait before trying again, from its `Retry-After` header (seconds or
   * an HTTP date), on any status; undefined when it did not say. Retries honor it up to `maxRetryDelay`.
   */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: APIErrorDetails) {
    super(message);
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** HTTP 400: the request was malformed or a parameter was refused (`InvalidParameter`, `InvalidURL`, …). */
export class BadRequestError extends APIError {
  override readonly name = 'BadRequestError';
}
/** HTTP 401: the API key is missing, wrong, or from another region (`InvalidApiKey`). */
export class AuthenticationError extends APIError {
  override readonly name = 'AuthenticationError';
}
/** HTTP 403: the key may not use this model or workspace (`AccessDenied`, `Model.AccessDenied`, …). */
export class PermissionDeniedError extends APIError {
  override readonly name = 'PermissionDeniedError';
}
/** HTTP 404: the workspace or model does not exist. */
export class NotFoundError extends APIError {
  override readonly name = 'NotFoundError';
}
/** HTTP 429: throttled (`Throttling.*`, retried) or a billing block (`…BillOverdue`, never retried). */
export class RateLimitError extends APIError {
  override readonly name = 'RateLimitError';
}
/** HTTP 500 and above: DashScope or a gateway in front of it failed. */
export class InternalServerError extends APIError {
  override readonly name = 'InternalServerError';
}

/** No answer came: the connection failed, was reset, or the request could not be sent. */
export class ConnectionError extends LivePortraitError {
  override readonly name: string = 'ConnectionError';
}
/** No answer came within the per-request `timeout`. */
export class RequestTimeoutError extends ConnectionError {
  override readonly name = 'RequestTimeoutError';
}

/** The caller's `AbortSignal` fired (`cause` is the signal's reason), or the client was closed mid-wait. */
export class AbortError extends LivePortraitError {
  override readonly name = 'AbortError';
}

/** Fields shared by the errors about one task. */
interface TaskErrorDetails {
  taskId: string;
  requestId?: string | undefined;
}

/** The task ended `FAILED`. `code` and `message` are DashScope's reason (e.g. `InvalidURL`). */
export class TaskFailedError extends LivePortraitError {
  override readonly name = 'TaskFailedError';
  readonly taskId: string;
  /** DashScope's failure code from `output.code`, e.g. `InvalidURL`. */
  readonly code: string;
  /** `request_id` of the query that saw the failure. */
  readonly requestId: string | undefined;

  constructor(details: TaskErrorDetails & { code: string; message: string }) {
    super(`Task ${details.taskId} failed: ${details.code}: ${details.message}`);
    this.taskId = details.taskId;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

/** The task was canceled (see `cancelTask`). */
export class TaskCanceledError extends LivePortraitError {
  override readonly name = 'TaskCanceledError';
  readonly taskId: string;

  constructor(details: TaskErrorDetails) {
    super(`Task ${details.taskId} was canceled`);
    this.taskId = details.taskId;
  }
}

/** DashScope does not know the task: it never existed, or it expired (tasks are kept about 24 hours). */
export class TaskUnknownError extends LivePortraitError {
  override readonly name = 'TaskUnknownError';
  readonly taskId: string;

  constructor(details: TaskErrorDetails) {
    super(
      `Task ${details.taskId} is unknown to DashScope: it never existed or has expired (tasks live about 24 h)`,
    );
    this.taskId = details.taskId;
  }
}

/** The wait's deadline passed. The task may still finish: resume with `waitForTask(taskId)`. */
export class WaitTimeoutError extends LivePortraitError {
  override readonly name = 'WaitTimeoutError';
  readonly taskId: string;
  /** The last status seen, e.g. `RUNNING`; undefined if no poll succeeded. */
  readonly lastStatus: string | undefined;

  constructor(details: { taskId: string; lastStatus: string | undefined; timeoutMs: number }) {
    const seen = details.lastStatus ? `last status ${details.lastStatus}` : 'no status seen';
    super(
      `Gave up waiting for task ${details.taskId} after ${details.timeoutMs} ms (${seen}); ` +
        `it may still finish: resume with waitForTask('${details.taskId}')`,
    );
    this.taskId = details.taskId;
    this.lastStatus = details.lastStatus;
  }
}

/** The image check (`detect: true`) refused the portrait; `message` is DashScope's reason. */
export class ImageRejectedError extends LivePortraitError {
  override readonly name = 'ImageRejectedError';
  /** `request_id` of the image check. */
  readonly requestId: string | undefined;

  constructor(serverMessage: string, requestId: string | undefined) {
    super(serverMessage || 'The image did not pass the LivePortrait image check');
    this.requestId = requestId;
  }

  /** Throws an `ImageRejectedError` for an image check that did not pass; returns the check otherwise. */
  static unlessPassed<T extends { pass: boolean; message: string; requestId: string }>(check: T): T {
    if (!check.pass) throw new ImageRejectedError(check.message, check.requestId);
    return check;
  }
}

/**
 * A media file could not be read from its URL (preflight or download): an HTTP error status, or no
 * answer at all (`status` undefined, the network error in `cause`). Raised before any job exists.
 */
export class MediaUnreachableError extends LivePortraitError {
  override readonly name = 'MediaUnreachableError';
  /** The URL without its query string and fragment: signed URLs carry their secret in the query. */
  readonly url: string;
  /** HTTP status of the answer; undefined when no answer came. */
  readonly status: number | undefined;

  constructor(details: { url: string; status: number | undefined; reason?: string }, options?: ErrorOptions) {
    const why = details.status === undefined ? (details.reason ?? 'no answer') : `HTTP ${details.status}`;
    super(`Could not read ${details.url}: ${why}`, options);
    this.url = details.url;
    this.status = details.status;
  }
}

/** The result video's link has expired: DashScope keeps `video_url` valid for 24 hours after the task ends. */
export class ResultExpiredError extends LivePortraitError {
  override readonly name = 'ResultExpiredError';
  /** The video URL without its query string (the signature). */
  readonly url: string;
  /** HTTP status of the answer, typically 403 or 404. */
  readonly status: number;

  constructor(details: { url: string; status: number }) {
    super(
      `The video link ${details.url} answered HTTP ${details.status}: result links live 24 hours after the ` +
        'task ends, so this one has most likely expired; generate the video again',
    );
    this.url = details.url;
    this.status = details.status;
  }
}

/**
 * The video exists but could not be saved to `path`: a missing or unwritable directory, a full disk.
 * The billed job is not lost: `videoUrl` stays valid 24 hours after the task ended, so download it
 * again with `client.downloadVideo(error.videoUrl, path)` (or `liveportrait wait <taskId> --out PATH`).
 */
export class SaveFailedError extends LivePortraitError {
  override readonly name = 'SaveFailedError';
  /** The task that made the video; undefined when the download was given a bare URL. */
  readonly taskId: string | undefined;
  /** The video's signed URL, to download it again (it is the only way to the video without a new job). */
  readonly videoUrl: string;
  /** Absolute path the video was to be saved to. */
  readonly path: string;
  /** What went wrong, in a few words, e.g. `the directory /data/out does not exist`. */
  readonly reason: string;

  constructor(
    details: { path: string; videoUrl: string; taskId?: string | undefined; reason: string },
    options?: ErrorOptions,
  ) {
    const cli = details.taskId ? ` or \`liveportrait wait ${details.taskId} --out PATH\`` : '';
    super(
      `Could not save the video${details.taskId ? ` of task ${details.taskId}` : ''} to ${details.path}: ` +
        `${details.reason}. The video is not lost: download it again with ` +
        `client.downloadVideo(error.videoUrl, path)${cli} (its link is valid 24 hours after the task ended)`,
      options,
    );
    this.taskId = details.taskId;
    this.videoUrl = details.videoUrl;
    this.path = details.path;
    this.reason = details.reason;
  }

  /**
   * The error to throw when saving a finished job's video failed with `error`: a `SaveFailedError`
   * keeping the task id and the URL (a network or server failure of the download included, since the
   * video can still be downloaded again), or `error` itself when it is an abort, an expired link (no
   * second try can help) or already a `SaveFailedError`.
   */
  static of(
    error: unknown,
    details: { path: string; videoUrl: string; taskId?: string | undefined },
  ): unknown {
    if (
      error instanceof AbortError ||
      error instanceof ResultExpiredError ||
      error instanceof SaveFailedError
    )
      return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new SaveFailedError({ ...details, reason }, { cause: error });
  }
}

/**
 * DashScope error codes that are about the account's billing or purchase, whatever their HTTP status
 * (400, 403, 429): waiting and retrying will not help, the account's owner has to act.
 */
export const BILLING_CODES: ReadonlySet<string> = new Set([
  'Arrearage',
  'PrepaidBillOverdue',
  'PostpaidBillOverdue',
  'CommodityNotPurchased',
  'AccessDenied.Unpurchased',
]);

// Every error class under its public name: its brand for `instanceof` across copies, and its `name`.
brandClasses({
  LivePortraitError,
  ConfigurationError,
  ValidationError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  InternalServerError,
  ConnectionError,
  RequestTimeoutError,
  AbortError,
  TaskFailedError,
  TaskCanceledError,
  TaskUnknownError,
  WaitTimeoutError,
  ImageRejectedError,
  MediaUnreachableError,
  ResultExpiredError,
  SaveFailedError,
});
