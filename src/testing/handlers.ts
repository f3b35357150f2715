/**
 * The route table as msw request handlers. Each handler runs the same pipeline: log, fault, API key,
 * rate limit, then the route itself. The real server (server.ts) serves these very handlers, so the
 * in-process (msw) and over-the-network emulators cannot disagree.
 */
import type { HttpHandler } from 'msw';
import { DEFAULT_BASE_URL } from '../internal/wire.js';
import { bearerKey } from './accounts.js';
import { type Fault, faultResponse } from './faults.js';
import type { LogEntry } from './log.js';
import { http } from './msw.js';
import type { Route } from './route-types.js';
import { ROUTES } from './routes.js';
import { createEmulator, type DashScopeEmulator, type EmulatorOptions } from './state.js';
import { errorResponse, newRequestId } from './wire.js';

/** DashScope's public base URL (China / Beijing region). */

/** Options of {@link createDashScopeHandlers}. */
export interface DashScopeHandlersOptions extends EmulatorOptions {
  /**
   * The emulator to serve; create it with `createEmulator()` to control it (tasks, faults, keys,
   * stats). When given, the {@link EmulatorOptions} here are ignored. Default: a new one.
   */
  emulator?: DashScopeEmulator;
  /** API base URL to answer under. Default `https://dashscope.aliyuncs.com/api/v1`. */
  baseURL?: string;
  /** Origin result `video_url`s point at; its `/results/*` is answered too. Default: the base URL's origin. */
  resultsBaseURL?: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Where handlers built from `options` answer: the API base URL and the origin of result and upload URLs. */
export function servedBases(options: Pick<DashScopeHandlersOptions, 'baseURL' | 'resultsBaseURL'>): {
  apiBase: string;
  resultsOrigin: string;
} {
  const apiBase = trimSlash(options.baseURL ?? DEFAULT_BASE_URL);
  return { apiBase, resultsOrigin: trimSlash(options.resultsBaseURL ?? new URL(apiBase).origin) };
}

/**
 * msw request handlers emulating DashScope's LivePortrait endpoints, for code that uses global fetch.
 * @example
 * const emulator = createEmulator({ apiKeys: ['sk-test'] });
 * const server = setupServer(...createDashScopeHandlers({ emulator }));
 */
export function createDashScopeHandlers(options: DashScopeHandlersOptions = {}): HttpHandler[] {
  const emulator = options.emulator ?? createEmulator(options);
  const { apiBase, resultsOrigin } = servedBases(options);
  const handlers = ROUTES.map((route) => {
    const register = route.method === 'GET' ? http.get : route.method === 'HEAD' ? http.head : http.post;
    const base = route.base === 'api' ? apiBase : resultsOrigin;
    // The real gateway accepts every path with or without a trailing slash (the official Python SDK
    // submits without one). msw's matching accepts an extra slash after a pattern that has none, so
    // each pattern is registered without its own.
    return register(`${base}${trimSlash(route.path)}`, ({ request, params }) =>
      runRoute(route, { request, params: stringParams(params), emulator, resultsOrigin }),
    );
  });
  // Anything else under the API base: the gateway's answer to an unknown path or method.
  const unmatched = http.all(`${apiBase}/*`, ({ request }) => {
    const response = errorResponse(
      { status: 400, code: 'InvalidParameter', message: 'url error, please check url!' },
      newRequestId(),
    );
    record(
      emulator,
      request,
      { route: 'unmatched', status: 400, code: 'InvalidParameter' },
      performance.now(),
    );
    return response;
  });
  return [...handlers, unmatched];
}

function stringParams(
  params: Record<string, string | readonly string[] | undefined>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string') result[name] = value;
  }
  return result;
}

interface RunInput {
  request: Request;
  params: Record<string, string>;
  emulator: DashScopeEmulator;
  resultsOrigin: string;
}

function record(
  emulator: DashScopeEmulator,
  request: Request,
  entry: Pick<LogEntry, 'route' | 'status' | 'code' | 'fault'>,
  startedAt: number,
  at = emulator.now(),
): void {
  const url = new URL(request.url);
  emulator.record({
    ...entry,
    method: request.method,
    path: url.pathname + url.search,
    latencyMs: performance.now() - startedAt,
    at,
  });
}

/** One request through the shared pipeline. */
async function runRoute(route: Route, input: RunInput): Promise<Response> {
  const { request, emulator } = input;
  const startedAt = performance.now();
  const at = emulator.now();
  const requestId = newRequestId();
  const done = (response: Response, fields: Pick<LogEntry, 'code' | 'fault'> = {}) => {
    record(emulator, request, { route: route.name, status: response.status, ...fields }, startedAt, at);
    return response;
  };

  const fault = emulator.faults.take({
    route: route.name,
    method: request.method,
    path: new URL(request.url).pathname,
  });
  if (fault && fault.kind !== 'reset-after-body') {
    // Logged before it is carried out, so a test can see that a hung request has arrived.
    const early = applyFaultBeforeRoute(fault, request, requestId);
    // A network error (reset, hang) has no status: logged as 0.
    const status = early instanceof Response ? early.status : 0;
    record(emulator, request, { route: route.name, status, fault: fault.kind }, startedAt, at);
    return early;
  }

  let response: Response;
  try {
    response = await answer(route, input, requestId);
  } catch (error) {
    // A bug in a route must look like DashScope's 500, not crash the server or the test's fetch.
    const message = error instanceof Error ? error.message : String(error);
    response = errorResponse({ status: 500, code: 'InternalError', message }, requestId);
  }
  if (fault?.kind === 'reset-after-body') {
    // The work is done (a submit created its task); only the answer is lost.
    if (!request.bodyUsed) await request.arrayBuffer().catch(() => undefined);
    return done(Response.error(), { fault: fault.kind });
  }
  return done(response, { code: await errorCodeOf(response) });
}

/** Carries out a fault that replaces the route's answer entirely. */
function applyFaultBeforeRoute(
  fault: Exclude<Fault, { kind: 'reset-after-body' }>,
  request: Request,
  requestId: string,
): Response | Promise<Response> {
  switch (fault.kind) {
    case 'reset-before-body':
      // The real server turns a network-error Response into a TCP reset; msw into a failed fetch.
      return Response.error();
    case 'hang':
      return hangUntilAborted(request.signal);
    default:
      return faultResponse(fault, requestId);
  }
}

/** Never answers; resolves to a network error only once the request is aborted (client or close()). */
function hangUntilAborted(signal: AbortSignal): Promise<Response> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(Response.error());
    else signal.addEventListener('abort', () => resolve(Response.error()), { once: true });
  });
}

/** Checks the API key and takes the account's rate budget, then runs the route. */
async function answer(route: Route, input: RunInput, requestId: string): Promise<Response> {
  const { request, emulator } = input;
  let account = '';
  if (route.auth) {
    const key = bearerKey(request.headers.get('authorization'));
    const owner = key === undefined ? undefined : emulator.apiKeys.accountOf(key);
    if (owner === undefined) {
      const message = key === undefined ? 'No API-key provided.' : 'Invalid API-key provided.';
      return errorResponse({ status: 401, code: 'InvalidApiKey', message }, requestId);
    }
    account = owner;
    const budget = emulator.throttle(route.name, account);
    if (!budget.ok) {
      const retryAfter = String(Math.max(1, Math.ceil(budget.retryAfterMs / 1000)));
      const message = 'Requests rate limit exceeded, please try again later.';
      return errorResponse(
        { status: 429, code: 'Throttling.RateQuota', message, headers: { 'retry-after': retryAfter } },
        requestId,
      );
    }
  }
  return route.handle({ ...input, requestId, account });
}

/** The `code` of an error answer, for the log. */
async function errorCodeOf(response: Response): Promise<string | undefined> {
  if (response.status < 400 || !response.headers.get('content-type')?.includes('json')) return undefined;
  try {
    const body: unknown = await response.clone().json();
    const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
