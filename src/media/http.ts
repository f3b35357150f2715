/**
 * HTTP for media files: the user's image and audio URLs, OSS uploads and the result video. Unlike the
 * DashScope transport, these requests never carry the API key (they go to hosts that are not
 * DashScope's API), and redirects are followed here, by hand, so no header is ever forwarded that we
 * did not choose. The connection pool (and any proxy) is the client's, shared with the transport.
 */
import { type Dispatcher, request } from 'undici';
import { errorFromAnswer } from '../error-mapping.js';
import { APIError, ConnectionError, LivePortraitError, MediaUnreachableError } from '../errors.js';
import { abortError, headerValue, USER_AGENT } from '../internal/http.js';
import type { Sleep } from '../internal/time.js';
import { parseRetryAfter, TRANSIENT_STATUSES, withRetries } from '../retry.js';

/** What media requests need from the client. */
export interface MediaDeps {
  dispatcher: Dispatcher;
  /** Ms to wait for response headers, and the longest silence allowed inside a body. */
  timeout: number;
  maxRetries: number;
  maxRetryDelay: number;
  sleep: Sleep;
  random: () => number;
}

/** An answer whose status the caller decides about; transient ones (5xx, 408, 429) never get here. */
export interface MediaResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
}

/** Options of one media request. */
export interface MediaRequestOptions {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: Dispatcher.DispatchOptions['body'];
  signal?: AbortSignal | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** `url` without query string and fragment, for messages: signed URLs carry their secret in the query. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '(not a URL)';
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * One request, following up to 5 redirects (303 turns a POST into a GET, as browsers do). Throws
 * `ConnectionError` when no answer came and an `APIError` for a transient status, so that
 * {@link withMediaRetries} can retry both; every other status is returned.
 */
export async function mediaRequest(
  deps: MediaDeps,
  url: string,
  options: MediaRequestOptions = {},
): Promise<MediaResponse> {
  let current = url;
  let method = options.method ?? 'GET';
  for (let hop = 0; ; hop++) {
    const response = await send(deps, current, method, options);
    const location = headerValue(response.headers.location);
    if (!REDIRECTS.has(response.statusCode) || !location || hop >= MAX_REDIRECTS) {
      if (TRANSIENT_STATUSES.has(response.statusCode)) {
        await response.body.dump().catch(() => undefined);
        const retryAfterMs = parseRetryAfter(headerValue(response.headers['retry-after']), Date.now());
        throw errorFromAnswer({ status: response.statusCode, json: undefined, text: '', retryAfterMs });
      }
      return { status: response.statusCode, headers: response.headers, body: response.body };
    }
    await response.body.dump().catch(() => undefined);
    const next = new URL(location, current);
    // Only web URLs: a redirect must not make us read a local file or speak another protocol.
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new MediaUnreachableError({
        url: redactUrl(url),
        status: response.statusCode,
        reason: 'bad redirect',
      });
    }
    if (response.statusCode === 303) method = 'GET';
    current = next.toString();
  }
}

async function send(
  deps: MediaDeps,
  url: string,
  method: string,
  options: MediaRequestOptions,
): Promise<Dispatcher.ResponseData> {
  if (options.signal?.aborted) throw abortError(options.signal);
  try {
    return await request(url, {
      method: method as Dispatcher.HttpMethod,
      // Deliberately no Authorization and none of the client's default headers: this host is not DashScope.
      headers: {
        'user-agent': USER_AGENT,
        ...options.headers,
      },
      body: method === 'POST' ? options.body : undefined,
      dispatcher: deps.dispatcher,
      signal: options.signal,
      headersTimeout: deps.timeout,
      bodyTimeout: deps.timeout,
    });
  } catch (error) {
    throw connectionFailure(error, url, options.signal);
  }
}

/** Maps whatever a request or body read threw: the caller's abort, or a `ConnectionError`. */
export function connectionFailure(error: unknown, url: string, signal?: AbortSignal): LivePortraitError {
  if (signal?.aborted) return abortError(signal);
  if (error instanceof LivePortraitError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectionError(`Could not reach ${redactUrl(url)}: ${reason}`, { cause: error });
}

/**
 * Runs `attempt` with the client's retry budget (connection failures and transient statuses), then
 * turns what is left of those failures into a {@link MediaUnreachableError} naming the URL.
 */
export async function withMediaRetries<T>(
  deps: MediaDeps,
  url: string,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await withRetries(attempt, { ...deps, policy: 'idempotent', signal });
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    if (error instanceof APIError)
      throw new MediaUnreachableError({ url: redactUrl(url), status: error.status }, { cause: error });
    if (error instanceof ConnectionError)
      throw new MediaUnreachableError(
        { url: redactUrl(url), status: undefined, reason: causeMessage(error) },
        { cause: error },
      );
    throw error;
  }
}

function causeMessage(error: ConnectionError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}
