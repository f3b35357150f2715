/**
 * Building DashScope's answers: JSON bodies and the `{code, message, request_id}` error envelope.
 */

/** A DashScope error: HTTP status plus the `code`/`message` of the body. */
export interface DashScopeError {
  status: number;
  code: string;
  message: string;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

/** A fresh `request_id`. DashScope uses UUIDs. */
export function newRequestId(): string {
  return crypto.randomUUID();
}

/** A JSON response with DashScope's content type. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The error envelope, `{"code":"...","message":"...","request_id":"..."}`, with its status. */
export function errorResponse(error: DashScopeError, requestId: string): Response {
  return jsonResponse({ code: error.code, message: error.message, request_id: requestId }, error.status, {
    ...error.headers,
  });
}

// What DashScope typically says for a bare status; used when a scripted fault gives only the status.
const TYPICAL_ERRORS: Record<number, { code: string; message: string }> = {
  400: { code: 'InvalidParameter', message: 'Invalid parameter.' },
  401: { code: 'InvalidApiKey', message: 'Invalid API-key provided.' },
  403: { code: 'AccessDenied', message: 'Access denied.' },
  404: { code: 'ModelNotFound', message: 'Model not found.' },
  408: { code: 'RequestTimeOut', message: 'Request timed out, please try again later.' },
  413: { code: 'BadRequest.TooLarge', message: 'Payload Too Large.' },
  415: { code: 'BadRequest.InputDownloadFailed', message: 'Failed to download the input file.' },
  429: { code: 'Throttling.RateQuota', message: 'Requests rate limit exceeded, please try again later.' },
  500: { code: 'InternalError', message: 'An internal error has occurred, please try again later.' },
  503: { code: 'ModelUnavailable', message: 'Model is unavailable, please try again later.' },
};

/** The usual code and message for `status` (`InternalError` for an unlisted 5xx, and so on). */
export function typicalError(status: number): { code: string; message: string } {
  const known = TYPICAL_ERRORS[status];
  if (known) return known;
  return status >= 500
    ? { code: 'InternalError', message: 'An internal error has occurred, please try again later.' }
    : { code: 'InvalidParameter', message: 'Invalid parameter.' };
}
