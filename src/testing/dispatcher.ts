/**
 * The emulator as an undici `Dispatcher`: requests made through it (`dispatcher.request()`, as the
 * SDK's transport makes them, or `undici.request(url, { dispatcher })`) are answered in-process by the same msw handlers `startEmulator()`
 * serves on a port. No port, no socket, no DNS: a request for a host the emulator does not serve
 * fails at once and never reaches the network. msw's `setupServer` cannot stand in for this: it
 * patches global `fetch` and `node:http`, and `undici.request` uses neither.
 *
 * Subclassing `Dispatcher` directly, rather than undici's `MockAgent`, keeps the whole contract in
 * view: one `dispatch()` that answers from the handlers, with no interceptor table and no way to fall
 * through to a real connection.
 */
import type { HttpHandler } from 'msw';
import { Dispatcher, errors, Response as UndiciResponse } from 'undici';
import { answerRequest } from './answer.js';
import { createDashScopeHandlers, type DashScopeHandlersOptions, servedBases } from './handlers.js';
import { createEmulator, type DashScopeEmulator } from './state.js';

/** Options of {@link createEmulatorDispatcher}: the same as `createDashScopeHandlers`. */
export type EmulatorDispatcherOptions = DashScopeHandlersOptions;

/** Response bytes handed over at a time, so a reader that asks to pause (backpressure) is obeyed. */
const CHUNK_BYTES = 16 * 1024;
/** undici's own default wait for response headers; a `hang` fault fails after it like a real one. */
const DEFAULT_HEADERS_TIMEOUT_MS = 300_000;

/**
 * An undici `Dispatcher` answering from the emulator in-process: give it to the SDK as `dispatcher`
 * and whole jobs (image check, upload of local files, submit, wait, download) run against the
 * emulator at the default base URL, with no port and no socket. Requests to any other host fail.
 * @example
 * const emulator = createEmulator({ apiKeys: ['sk-test'], timeScale: 0.001 });
 * const client = new LivePortraitClient({
 *   apiKey: 'sk-test',
 *   dispatcher: createEmulatorDispatcher({ emulator }),
 *   pollSchedule: { initialMs: 10 },
 * });
 */
export function createEmulatorDispatcher(options: EmulatorDispatcherOptions = {}): EmulatorDispatcher {
  return new EmulatorDispatcher(options);
}

/** The dispatcher {@link createEmulatorDispatcher} returns. */
class EmulatorDispatcher extends Dispatcher {
  /** The emulator answering (the one passed in `options.emulator`, or a new one): its full control API. */
  readonly emulator: DashScopeEmulator;
  /** The API base URL it answers under, without a trailing slash. */
  readonly baseURL: string;
  readonly #handlers: HttpHandler[];
  /** Origins served: the API's, and the one result video and upload URLs point at. */
  readonly #origins: ReadonlySet<string>;
  /** Requests in flight, each with the promise that settles once it is over. */
  readonly #inFlight = new Map<Exchange, Promise<void>>();
  #closed = false;
  #destroyed = false;

  constructor(options: EmulatorDispatcherOptions) {
    super();
    this.emulator = options.emulator ?? createEmulator(options);
    const { apiBase, resultsOrigin } = servedBases(options);
    this.baseURL = apiBase;
    this.#handlers = createDashScopeHandlers({ ...options, emulator: this.emulator });
    this.#origins = new Set([new URL(apiBase).origin, new URL(resultsOrigin).origin]);
  }

  /** Answers one request from the emulator; see undici's `Dispatcher.dispatch`. */
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const exchange = new Exchange(currentApi(handler));
    const over = Promise.resolve()
      .then(() => this.#serve(options, exchange))
      .catch((error: unknown) => exchange.fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => this.#inFlight.delete(exchange));
    this.#inFlight.set(exchange, over);
    return true;
  }

  /** Refuses new requests and resolves once those in flight are over (a `hang` only once aborted). */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    return settle(this.#settled(), callback);
  }

  /** Refuses new requests and aborts those in flight with `error` (default `ClientDestroyedError`). */
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(first?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const error = typeof first === 'function' || !first ? new errors.ClientDestroyedError() : first;
    this.#closed = true;
    this.#destroyed = true;
    for (const exchange of this.#inFlight.keys()) exchange.abort(error);
    return settle(this.#settled(), typeof first === 'function' ? first : callback);
  }

  async #settled(): Promise<void> {
    await Promise.all(this.#inFlight.values());
  }

  async #serve(options: Dispatcher.DispatchOptions, exchange: Exchange): Promise<void> {
    exchange.start();
    if (exchange.aborted) return; // the caller's signal was aborted before the request started
    const url = this.#urlOf(options);
    if (url instanceof Error) return exchange.fail(url);

    const headersTimeout = options.headersTimeout ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const timer =
      headersTimeout > 0
        ? setTimeout(() => exchange.abort(new errors.HeadersTimeoutError()), headersTimeout)
        : undefined;
    const headers = requestHeaders(options.headers);
    const answer = await answerRequest(this.#handlers, {
      url,
      method: options.method,
      headers,
      body: () => requestBody(options.body, headers),
      signal: exchange.signal,
    }).finally(() => clearTimeout(timer));

    if (exchange.aborted) return;
    // What undici reports when the server drops the connection.
    if (answer.kind === 'reset') return exchange.fail(new errors.SocketError('other side closed'));
    exchange.respond(answer.status, answer.headers, answer.statusText);
    if (answer.body) await exchange.stream(answer.body);
    exchange.end();
  }

  /** The request's URL, or why it is refused (this dispatcher never passes a request on). */
  #urlOf(options: Dispatcher.DispatchOptions): URL | Error {
    if (this.#destroyed) return new errors.ClientDestroyedError();
    if (this.#closed) return new errors.ClientClosedError();
    if (options.method === 'CONNECT' || options.upgrade)
      return new errors.NotSupportedError('the emulator dispatcher does not upgrade connections');
    const origin = options.origin === undefined ? undefined : new URL(String(options.origin)).origin;
    if (origin === undefined || !this.#origins.has(origin)) {
      const served = [...this.#origins].join(' and ');
      return new Error(
        `createEmulatorDispatcher: ${origin ?? 'a request without an origin'} is not served by the emulator ` +
          `(it answers ${served}); the request was not sent to the network`,
      );
    }
    const url = new URL(options.path, origin);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
    }
    return url;
  }
}

export type { EmulatorDispatcher };

/** Resolves `done` into the callback when one is given (undici's callback style), else returns it. */
function settle(done: Promise<void>, callback: (() => void) | undefined): Promise<void> | void {
  if (!callback) return done;
  void done.then(callback);
}

/** undici's request headers (an object, a flat `[name, value, …]` array, or `[name, value]` pairs). */
function requestHeaders(input: Dispatcher.DispatchOptions['headers']): Headers {
  const headers = new Headers();
  const add = (name: unknown, value: unknown) => {
    for (const item of Array.isArray(value) ? value : [value])
      if (item !== undefined && item !== null) headers.append(String(name), String(item));
  };
  if (Array.isArray(input)) {
    for (let i = 0; i + 1 < input.length; i += 2) add(input[i], input[i + 1]);
  } else if (input && Symbol.iterator in input) {
    for (const [name, value] of input as Iterable<[string, unknown]>) add(name, value);
  } else if (input) {
    for (const [name, value] of Object.entries(input)) add(name, value);
  }
  return headers;
}

/**
 * The request body as a stream. undici's own `Response` reads every body kind `request()` accepts
 * (string, bytes, Node stream, async iterable, undici's `FormData`, Blob) and names a form's
 * multipart boundary or a Blob's type, as undici's connection code would have in `content-type`
 * (but not `text/plain` for a string, which undici does not send).
 */
function requestBody(body: unknown, headers: Headers): ReadableStream<Uint8Array> | undefined {
  if (body === undefined || body === null) return undefined;
  const wrapped = new UndiciResponse(body as ConstructorParameters<typeof UndiciResponse>[0]);
  const type = wrapped.headers.get('content-type');
  if (type && typeof body !== 'string' && !headers.has('content-type')) headers.set('content-type', type);
  return (wrapped.body as ReadableStream<Uint8Array> | null) ?? undefined;
}

/**
 * One request's life on the handler side: the `DispatchController` undici's handlers steer with
 * (pause, resume, abort), and the handler calls, each made at most once and never after the end.
 */
class Exchange implements Dispatcher.DispatchController {
  readonly #handler: Dispatcher.DispatchHandler;
  /** Aborting it ends a `hang` and tells the handlers the client went away, as a closed socket would. */
  readonly #aborter = new AbortController();
  #reason: Error | null = null;
  #paused = false;
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(handler: Dispatcher.DispatchHandler) {
    this.#handler = handler;
  }

  get aborted(): boolean {
    return this.#reason !== null;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get reason(): Error | null {
    return this.#reason;
  }
  get signal(): AbortSignal {
    return this.#aborter.signal;
  }

  abort(reason?: Error): void {
    if (this.#reason !== null || this.#ended) return;
    this.#reason = reason ?? new errors.RequestAbortedError();
    this.#aborter.abort(this.#reason);
    this.#wakeUp();
    this.fail(this.#reason);
  }
  pause(): void {
    this.#paused = true;
  }
  resume(): void {
    this.#paused = false;
    this.#wakeUp();
  }

  start(): void {
    this.#handler.onRequestStart?.(this, {});
  }
  respond(status: number, headers: Record<string, string>, statusText: string): void {
    this.#handler.onResponseStart?.(this, status, headers, statusText);
  }
  /** Hands `body` over chunk by chunk, waiting while the reader has paused. */
  async stream(body: Buffer): Promise<void> {
    for (let offset = 0; offset < body.length && !this.aborted; offset += CHUNK_BYTES) {
      while (this.#paused && !this.aborted) await new Promise<void>((resolve) => (this.#wake = resolve));
      if (!this.aborted) this.#handler.onResponseData?.(this, body.subarray(offset, offset + CHUNK_BYTES));
    }
  }
  end(): void {
    if (this.#ended || this.aborted) return;
    this.#ended = true;
    this.#handler.onResponseEnd?.(this, {});
  }
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#handler.onResponseError?.(this, error);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * The handler in undici 7's API (`onRequestStart`, `onResponseStart`, …). undici's own `request()`,
 * `stream()` and `fetch()` still hand dispatchers the older one (`onConnect`, `onHeaders`, `onData`,
 * `onComplete`, `onError`), which is translated here.
 */
function currentApi(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  if (handler.onRequestStart) return handler;
  return {
    onRequestStart: (controller) => handler.onConnect?.((reason) => controller.abort(reason as Error)),
    onResponseStart: (controller, status, headers, statusText) => {
      const raw = Object.entries(headers).flatMap(([name, value]) =>
        [value ?? []].flat().flatMap((item) => [Buffer.from(name, 'latin1'), Buffer.from(item, 'latin1')]),
      );
      if (handler.onHeaders?.(status, raw, () => controller.resume(), statusText ?? '') === false)
        controller.pause();
    },
    onResponseData: (controller, chunk) => {
      if (handler.onData?.(chunk) === false) controller.pause();
    },
    onResponseEnd: () => handler.onComplete?.([]),
    onResponseError: (_controller, error) => handler.onError?.(error),
  };
}
