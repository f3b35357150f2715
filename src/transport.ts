/**
 * The one way this SDK talks HTTP to DashScope: requests on one keep-alive undici Agent, a
 * per-attempt timeout, retries by policy, and every failure turned into the SDK's error tree.
 * It knows URLs, headers and bodies; it knows nothing about tasks or waiting.
 */
import { Agent, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { errorFromAnswer } from './error-mapping.js';
import { APIError, ConnectionError, RateLimitError, RequestTimeoutError } from './errors.js';
import { AttemptAbort } from './internal/attempt-abort.js';
import { abortError, headerValue, USER_AGENT } from './internal/http.js';
import type { Sleep } from './internal/time.js';
import type { Logger } from './logger.js';
import type { AccountBudget, RequestKind } from './polling/ports.js';
import {
  clampedRetryAfter,
  isRetryable,
  parseRetryAfter,
  type RetryPolicy,
  type RetryRunOptions,
  withRetries,
} from './retry.js';

/** Everything the transport needs, resolved by the client. */
export interface TransportConfig {
  apiKey: string;
  /** Base URL without a trailing slash, e.g. `https://dashscope.aliyuncs.com/api/v1`. */
  baseURL: string;
  timeout: number;
  maxRetries: number;
  maxRetryDelay: number;
  dispatcher?: Dispatcher | undefined;
  defaultHeaders?: Record<string, string> | undefined;
  workspace?: string | undefined;
  logger?: Logger | undefined;
  /** What requests that `spend` take from before each attempt, and hear of every 429 `Throttling`. */
  budget?: AccountBudget | undefined;
  sleep: Sleep;
  random: () => number;
}

/** One call to DashScope. */
export interface RequestSpec<T> {
  method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/`. Callers validate any id they put in it. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** JSON body; sent with `Content-Type: application/json`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Shape of a successful answer; a body that does not match is an `APIError` `InvalidResponse`. */
  schema: z.ZodType<T>;
  retry: RetryPolicy;
  /** What each attempt spends from the account's budget (task queries, submits); nothing when undefined. */
  spends?: RequestKind | undefined;
  /**
   * Overrides the client's `maxRetries` for this call (a user's per-request option). The poll
   * scheduler sends its polls with 0: it retries them itself, inside the account's query budget, and
   * must see every 429 to slow down.
   */
  maxRetries?: number | undefined;
  /** Overrides the client's per-attempt `timeout` (ms) for this call. */
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Sends requests to DashScope for one client; owns its connection pool unless given a dispatcher. */
export class Transport {
  readonly #config: TransportConfig;
  readonly #dispatcher: Dispatcher;
  /** Only an Agent we made is ours to close; a caller's dispatcher is the caller's. */
  readonly #ownsDispatcher: boolean;
  #closing: Promise<void> | undefined;
  /** Built once: the user agent and the client's default headers. */
  readonly #commonHeaders: Record<string, string>;
  /** Built once, and applied last: the key and the workspace. */
  readonly #authHeaders: Record<string, string>;
  readonly #plainHeaders: Readonly<Record<string, string>>;
  /** The base URL split once into what the dispatcher takes: `https://host` and `/api/v1`. */
  readonly #origin: string;
  readonly #basePath: string;

  constructor(config: TransportConfig) {
    this.#config = config;
    const base = new URL(config.baseURL);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/$/, '');
    this.#commonHeaders = { 'user-agent': USER_AGENT, accept: 'application/json' };
    for (const [name, value] of Object.entries(config.defaultHeaders ?? {}))
      this.#commonHeaders[name.toLowerCase()] = value;
    this.#authHeaders = config.workspace ? { 'x-dashscope-workspace': config.workspace } : {};
    this.#authHeaders.authorization = `Bearer ${config.apiKey}`;
    this.#plainHeaders = Object.freeze({ ...this.#commonHeaders, ...this.#authHeaders });
    this.#ownsDispatcher = config.dispatcher === undefined;
    this.#dispatcher = config.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  }

  /** Sends the request, retrying per `spec.retry`, and resolves with the validated body. */
  async request<T>(spec: RequestSpec<T>): Promise<T> {
    if (spec.signal?.aborted) throw abortError(spec.signal);
    const { maxRetryDelay, sleep, random, logger } = this.#config;
    const maxRetries = spec.maxRetries ?? this.#config.maxRetries;
    try {
      return await withRetries((attempt) => this.#attempt(spec, attempt), {
        policy: spec.retry,
        maxRetries,
        maxRetryDelay,
        random,
        sleep,
        signal: spec.signal,
        onRetry: logger && retryLogger(logger, spec),
      });
    } catch (error) {
      if (spec.signal?.aborted) throw abortError(spec.signal);
      throw error;
    }
  }

  /**
   * The connection pool, for the media code: it fetches user and OSS URLs through the same proxy and
   * pool, but with its own requests that never carry the DashScope key.
   */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** Closes the connection pool if this transport created it. Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= this.#ownsDispatcher ? this.#dispatcher.close() : Promise.resolve();
    return this.#closing;
  }

  async #attempt<T>(spec: RequestSpec<T>, attempt: number): Promise<T> {
    const { budget } = this.#config;
    if (spec.spends && budget) await budget.take(spec.spends, spec.signal);
    const started = performance.now();
    const abort = new AttemptAbort(spec.signal);
    const timeout = spec.timeout ?? this.#config.timeout;
    const timer = setTimeout(
      () => abort.abort(new RequestTimeoutError(this.#timeoutMessage(spec, timeout))),
      timeout,
    );
    try {
      // The dispatcher itself, not `undici.request(url, …)`: that spreads the options into a new
      // object per call, which undici's constructors then read slowly: 12–18 µs of CPU per call
      // (docs/BENCHMARKS.md).
      const response = await this.#dispatcher.request({
        origin: this.#origin,
        path: this.#path(spec),
        method: spec.method,
        headers: this.#headers(spec),
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: abort,
      });
      // A gateway or server that echoes the request (or the key) back must not put it in an error.
      const text = (await response.body.text()).replaceAll(this.#config.apiKey, '[redacted]');
      const json = parseJson(text);
      const result = this.#interpret(spec, response.statusCode, response.headers, text, json);
      this.#config.logger?.debug('response', {
        method: spec.method,
        path: spec.path,
        status: response.statusCode,
        attempt,
        requestId: requestIdOf(json),
        durationMs: Math.round(performance.now() - started),
      });
      return result;
    } catch (error) {
      const normalized = this.#normalize(error, abort, spec);
      // Every process that shares the budget slows down, not only this request's retry.
      if (spec.spends && normalized instanceof RateLimitError && isRetryable(normalized, spec.retry))
        budget?.throttled(spec.spends, clampedRetryAfter(normalized, this.#config.maxRetryDelay));
      throw normalized;
    } finally {
      clearTimeout(timer);
      abort.release();
    }
  }

  #interpret<T>(
    spec: RequestSpec<T>,
    status: number,
    headers: Dispatcher.ResponseData['headers'],
    text: string,
    json: unknown,
  ): T {
    const retryAfterMs = parseRetryAfter(headerValue(headers['retry-after']), Date.now());
    const hasErrorCode = typeof json === 'object' && json !== null && 'code' in json && Boolean(json.code);
    if (status < 200 || status >= 300 || hasErrorCode)
      throw errorFromAnswer({ status, json, text, retryAfterMs });
    const parsed = spec.schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const requestId = requestIdOf(json);
    throw new APIError(
      `${status} InvalidResponse: DashScope's answer to ${spec.method} ${spec.path} was not understood`,
      {
        status,
        code: 'InvalidResponse',
        requestId,
      },
    );
  }

  /** Maps whatever undici threw to the SDK's tree; SDK errors pass through unchanged. */
  #normalize(error: unknown, attempt: AttemptAbort, spec: RequestSpec<unknown>): unknown {
    if (error instanceof APIError) return error;
    if (spec.signal?.aborted) return abortError(spec.signal);
    if (attempt.aborted && attempt.reason instanceof RequestTimeoutError) return attempt.reason;
    const reason = error instanceof Error ? error.message : String(error);
    return new ConnectionError(`Could not reach DashScope (${spec.method} ${spec.path}): ${reason}`, {
      cause: error,
    });
  }

  #timeoutMessage(spec: RequestSpec<unknown>, timeout: number): string {
    return `DashScope did not answer ${spec.method} ${spec.path} within ${timeout} ms`;
  }

  /** The path and query below the origin; `spec.path` is already safe (callers validate and encode ids). */
  #path(spec: RequestSpec<unknown>): string {
    const path = this.#basePath + spec.path;
    if (spec.query === undefined) return path;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.toString();
    return search === '' ? path : `${path}?${search}`;
  }

  /** The headers: one shared object for a plain GET, since nothing of it varies per call. */
  #headers(spec: RequestSpec<unknown>): Record<string, string> {
    if (spec.headers === undefined && spec.body === undefined) return this.#plainHeaders;
    const headers = { ...this.#commonHeaders };
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    // Last, so that no per-call header can replace the key or the workspace.
    return Object.assign(headers, this.#authHeaders);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `request_id` of a parsed body, for logs and errors. */
function requestIdOf(json: unknown): string | undefined {
  const id =
    typeof json === 'object' && json !== null ? (json as { request_id?: unknown }).request_id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Logs each retry of `spec`. Made only when there is a logger: a property-named arrow per call costs
 * a `__name` call in the build (tsup's `keepNames`), measured in docs/BENCHMARKS.md.
 */
function retryLogger(logger: Logger, spec: RequestSpec<unknown>): RetryRunOptions['onRetry'] {
  return ({ error, retry, delayMs }) =>
    logger.debug('retrying', {
      method: spec.method,
      path: spec.path,
      retry,
      delayMs,
      error: describe(error),
    });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
