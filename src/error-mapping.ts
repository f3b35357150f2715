/**
 * The one place an HTTP answer (status, body, `Retry-After`) becomes an error of the tree in
 * `errors.ts`: DashScope's error codes and their documented statuses, error bodies under HTTP 200,
 * and gateway pages that are not JSON.
 */
import {
  APIError,
  type APIErrorDetails,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from './errors.js';

/** What an HTTP answer looked like, as far as error mapping needs it. */
export interface ErrorAnswer {
  status: number;
  /** The parsed JSON body, or undefined when it was not JSON. */
  json: unknown;
  /** The raw body text, for a snippet when it was not JSON (an HTML 502 page). */
  text: string;
  retryAfterMs: number | undefined;
}

/**
 * The one place an HTTP answer becomes an error. A body with a top-level `code` is an error even
 * under HTTP 200; a non-JSON body becomes an {@link APIError} with a short snippet.
 */
export function errorFromAnswer(answer: ErrorAnswer): APIError {
  const body = isRecord(answer.json) ? answer.json : undefined;
  const code = typeof body?.code === 'string' && body.code ? body.code : fallbackCode(answer);
  const requestId = typeof body?.request_id === 'string' ? body.request_id : undefined;
  const serverMessage = typeof body?.message === 'string' ? body.message : undefined;
  const detail = serverMessage ?? (body ? '' : snippet(answer.text));
  const message = `${answer.status} ${code}${detail ? `: ${detail}` : ''}${requestId ? ` (request ${requestId})` : ''}`;
  const details: APIErrorDetails = {
    status: answer.status,
    code,
    requestId,
    retryAfterMs: answer.retryAfterMs,
  };
  const ErrorClass = errorClassFor(answer.status, code);
  return new ErrorClass(message, details);
}

/** The HTTP status DashScope documents for each error code (wire facts §6). */
const STATUS_OF_CODE: Record<string, number> = {
  InvalidParameter: 400,
  DataInspectionFailed: 400,
  'BadRequest.EmptyInput': 400,
  'BadRequest.EmptyParameters': 400,
  'BadRequest.EmptyModel': 400,
  InvalidURL: 400,
  Arrearage: 400,
  UnsupportedOperation: 400,
  InvalidApiKey: 401,
  AccessDenied: 403,
  'Workspace.AccessDenied': 403,
  'Model.AccessDenied': 403,
  'AccessDenied.Unpurchased': 403,
  WorkSpaceNotFound: 404,
  ModelNotFound: 404,
  RequestTimeOut: 408,
  'BadRequest.TooLarge': 413,
  'BadRequest.InputDownloadFailed': 415,
  'BadRequest.UnsupportedFileFormat': 415,
  Throttling: 429,
  'Throttling.RateQuota': 429,
  'Throttling.AllocationQuota': 429,
  LimitRequests: 429,
  PrepaidBillOverdue: 429,
  PostpaidBillOverdue: 429,
  CommodityNotPurchased: 429,
  InternalError: 500,
  'InternalError.Algo': 500,
  'InternalError.Timeout': 500,
  SystemError: 500,
  ModelServiceFailed: 500,
  ModelUnavailable: 503,
};

/** The status that classifies an answer: a 200 carrying an error body is judged by its documented code. */
function classifyingStatus(status: number, code: string): number {
  if (status !== 200) return status;
  if (code.startsWith('Throttling')) return 429;
  if (code.startsWith('InternalError')) return 500;
  return STATUS_OF_CODE[code] ?? 200;
}

function errorClassFor(
  answered: number,
  code: string,
): new (
  message: string,
  details: APIErrorDetails,
) => APIError {
  const status = classifyingStatus(answered, code);
  if (status === 400) return BadRequestError;
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return InternalServerError;
  return APIError;
}

function fallbackCode(answer: ErrorAnswer): string {
  if (answer.status >= 200 && answer.status < 300) return 'InvalidResponse';
  return `HTTP${answer.status}`;
}

function snippet(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
