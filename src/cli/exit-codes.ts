/**
 * The CLI's exit codes, and the one function that picks a code for an error. Scripts branch on these
 * numbers, so they are a public contract: add new codes, never renumber old ones.
 */
import {
  AbortError,
  APIError,
  AuthenticationError,
  BadRequestError,
  BILLING_CODES,
  ConfigurationError,
  ConnectionError,
  ImageRejectedError,
  InternalServerError,
  MediaUnreachableError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResultExpiredError,
  SaveFailedError,
  TaskCanceledError,
  TaskFailedError,
  TaskUnknownError,
  ValidationError,
  WaitTimeoutError,
} from '../index.js';
import { MissingDependencyError, UsageError } from './errors.js';

/** Every exit code the CLI uses. */
export const EXIT = {
  OK: 0,
  /** Anything not covered below (a bug, an unexpected file-system error). */
  OTHER: 1,
  /** Bad command line or input refused: locally, by DashScope (HTTP 400/413/415), or a media URL answering 4xx. */
  USAGE: 2,
  /** No or wrong API key, no permission, unknown workspace/model, bad base URL, billing block. */
  AUTH_CONFIG: 3,
  /** Throttled (HTTP 429 `Throttling*`): try again later. */
  RATE_LIMIT: 4,
  /** The task ended badly or cannot be acted on: FAILED, CANCELED, UNKNOWN, image rejected, link expired. */
  TASK: 5,
  /** `--timeout` passed while the task was still running; it may still finish. */
  WAIT_TIMEOUT: 6,
  /** No answer, or DashScope/a gateway failed (network errors, HTTP 5xx, 408). */
  NETWORK_SERVER: 7,
  /** The video was generated but saving it to `--out` failed; the task id and URL are printed. */
  SAVE_FAILED: 8,
  /** An optional package the command needs is not installed (`liveportrait mcp`: `@modelcontextprotocol/sdk`). */
  MISSING_DEPENDENCY: 9,
  /** Interrupted by Ctrl-C (SIGINT). */
  INTERRUPTED: 130,
} as const;

/** A code from {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table shown by `liveportrait --help` and in the README; one row per code. */
export const EXIT_CODE_TABLE: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.OK, 'success'],
  [EXIT.OTHER, 'unexpected error'],
  [EXIT.USAGE, 'usage or input error (bad flag or value, unusable media file or URL, HTTP 400/413/415)'],
  [EXIT.AUTH_CONFIG, 'API key, permission, workspace, base URL or billing problem (HTTP 401/403/404)'],
  [EXIT.RATE_LIMIT, 'rate limited (HTTP 429 Throttling): try again later'],
  [
    EXIT.TASK,
    'task FAILED/CANCELED while waiting, UNKNOWN/expired, not cancelable; image rejected; link expired',
  ],
  [EXIT.WAIT_TIMEOUT, '--timeout passed; the task may still finish (liveportrait wait TASK_ID)'],
  [EXIT.NETWORK_SERVER, 'network error or DashScope server error (HTTP 5xx, 408)'],
  [EXIT.SAVE_FAILED, 'video generated but saving it to --out failed (URL printed; valid 24 h)'],
  [
    EXIT.MISSING_DEPENDENCY,
    'an optional package the command needs is not installed (mcp: @modelcontextprotocol/sdk)',
  ],
  [EXIT.INTERRUPTED, 'interrupted (Ctrl-C); the task keeps running unless --cancel-on-abort'],
];

/** Codes DashScope answers when an operation does not fit the task's state (cancel of a running task). */
const TASK_STATE_CODES = new Set(['UnsupportedOperation']);

/** The exit code for anything a command threw. Order matters: subclasses before their parents. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof AbortError) return EXIT.INTERRUPTED;
  if (error instanceof UsageError || error instanceof ValidationError) return EXIT.USAGE;
  if (error instanceof SaveFailedError) return EXIT.SAVE_FAILED;
  if (error instanceof MissingDependencyError) return EXIT.MISSING_DEPENDENCY;
  if (error instanceof ConfigurationError) return EXIT.AUTH_CONFIG;
  if (error instanceof WaitTimeoutError) return EXIT.WAIT_TIMEOUT;
  if (
    error instanceof TaskFailedError ||
    error instanceof TaskCanceledError ||
    error instanceof TaskUnknownError ||
    error instanceof ImageRejectedError ||
    error instanceof ResultExpiredError
  ) {
    return EXIT.TASK;
  }
  if (error instanceof ConnectionError) return EXIT.NETWORK_SERVER;
  if (error instanceof MediaUnreachableError) {
    // A media URL that answers 4xx is the caller's to fix; no answer or a 5xx is the network's.
    const status = error.status ?? 0;
    return status >= 400 && status < 500 ? EXIT.USAGE : EXIT.NETWORK_SERVER;
  }
  if (error instanceof APIError) return apiExitCode(error);
  return EXIT.OTHER;
}

function apiExitCode(error: APIError): ExitCode {
  if (BILLING_CODES.has(error.code)) return EXIT.AUTH_CONFIG;
  if (TASK_STATE_CODES.has(error.code)) return EXIT.TASK;
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) return EXIT.AUTH_CONFIG;
  if (error instanceof NotFoundError) return EXIT.AUTH_CONFIG;
  if (error instanceof RateLimitError) return EXIT.RATE_LIMIT;
  if (error instanceof BadRequestError) return EXIT.USAGE;
  if (error instanceof InternalServerError) return EXIT.NETWORK_SERVER;
  // The base class covers statuses without a subclass: 408 is a server-side timeout, the other 4xx
  // (413 too large, 415 unsupported or undownloadable input) are about what the caller sent.
  if (error.status >= 400 && error.status < 500 && error.status !== 408) return EXIT.USAGE;
  return EXIT.NETWORK_SERVER;
}
