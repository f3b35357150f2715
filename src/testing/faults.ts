/**
 * Faults on demand: "the next N matching requests fail like this", plus a seeded random mode for soak
 * tests. This module only decides WHICH fault a request gets; handlers.ts and server.ts carry it out,
 * because a socket reset or a hang needs the transport, not a Response.
 */

import { seededRandom } from './random.js';
import type { RouteName } from './route-names.js';
import { RuleList } from './rules.js';
import { errorResponse, typicalError } from './wire.js';

/**
 * What a faulted request gets instead of its normal answer.
 * - `status`: the given HTTP status; body defaults to DashScope's error JSON for that status
 *   (`code`/`message` override it), a string `body` is sent as is, an object as JSON.
 * - `html`: a gateway's HTML error page (default 502), as a proxy in front of DashScope sends.
 * - `malformed-json`: `application/json` that does not parse (default status 200).
 * - `error-200`: HTTP 200 whose JSON body is an error `{code, message, request_id}`.
 * - `reset-before-body`: the connection is reset before the request body is read; nothing happens.
 * - `reset-after-body`: the request is fully handled (a submit DOES create its task), then the
 *   connection is reset instead of answering. This is the case that makes a retried submit unsafe.
 * - `hang`: never answers; the request stays open until the client gives up or the emulator closes.
 *
 * Without the real server (msw handlers in-process) both resets become a network error
 * (`Response.error()`), and `hang` waits for the request's abort signal.
 */
export type Fault =
  | {
      kind: 'status';
      status: number;
      code?: string;
      message?: string;
      body?: string | Record<string, unknown>;
      headers?: Record<string, string>;
    }
  | { kind: 'html'; status?: number }
  | { kind: 'malformed-json'; status?: number }
  | { kind: 'error-200'; code?: string; message?: string }
  | { kind: 'reset-before-body' }
  | { kind: 'reset-after-body' }
  | { kind: 'hang' };

/** The fault kinds, for iteration and validation. */
export type FaultKind = Fault['kind'];

/** What a fault is matched against. */
export interface FaultSubject {
  route: RouteName;
  method: string;
  /** URL path, e.g. `/api/v1/tasks/abc`. */
  path: string;
}

/** Which requests a fault applies to; every given condition must hold. Nothing given: all requests. */
export interface FaultMatcher {
  /** Route name(s): `submit`, `query`, `cancel`, `list`, `detect`, `result`, … */
  route?: RouteName | readonly RouteName[];
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Any other predicate, e.g. `({ path }) => path.endsWith('/cancel')`. */
  match?: (subject: FaultSubject) => boolean;
}

/** Options of the seeded random fault mode. */
export interface RandomFaultOptions extends FaultMatcher {
  /** PRNG seed: the same seed and the same request sequence give the same faults. */
  seed: number;
  /** Chance, 0–1, that a matching request is faulted. */
  probability: number;
  /** Faults to draw from, uniformly. Default: 500, 503, 429, HTML 502, reset-before-body, malformed JSON. */
  faults?: readonly Fault[];
}

const DEFAULT_RANDOM_FAULTS: readonly Fault[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
  { kind: 'html', status: 502 },
  { kind: 'reset-before-body' },
  { kind: 'malformed-json' },
];

/** Queued and random faults. Queued ones are served first, in the order they were added. */
export class FaultController {
  readonly #queued = new RuleList<FaultSubject, Fault>();
  #random: { options: RandomFaultOptions; next: () => number } | undefined;
  #injected = 0;

  /**
   * The next `count` requests matching `fault` get `fault` instead of their answer.
   * @example emulator.faults.next(2, { route: 'query', kind: 'status', status: 503 })
   */
  next(count: number, fault: Fault & FaultMatcher): void {
    this.#queued.add({ when: (subject) => matches(fault, subject), times: count, effect: fault });
  }

  /** Starts (or, with `false`, stops) the seeded random fault mode. */
  random(options: RandomFaultOptions | false): void {
    if (options === false) {
      this.#random = undefined;
      return;
    }
    if (!(options.probability >= 0 && options.probability <= 1)) {
      throw new RangeError(`probability must be in [0, 1], got ${options.probability}`);
    }
    this.#random = { options, next: seededRandom(options.seed) };
  }

  /** Queued faults still waiting for a request. */
  get pending(): number {
    return this.#queued.size;
  }

  /** Faults handed out so far. */
  get injected(): number {
    return this.#injected;
  }

  /** Drops queued faults, stops random mode and zeroes the counter. */
  clear(): void {
    this.#queued.clear();
    this.#random = undefined;
    this.#injected = 0;
  }

  /** The fault this request gets, if any (used by the handlers). */
  take(subject: FaultSubject): Fault | undefined {
    const fault = this.#queued.take(subject) ?? this.#drawRandom(subject);
    if (fault) this.#injected += 1;
    return fault;
  }

  #drawRandom(subject: FaultSubject): Fault | undefined {
    const random = this.#random;
    if (!random || !matches(random.options, subject)) return undefined;
    // Two draws per matching request, always: the sequence depends only on the seed and the requests.
    const roll = random.next();
    const pick = random.next();
    if (roll >= random.options.probability) return undefined;
    const choices = random.options.faults ?? DEFAULT_RANDOM_FAULTS;
    return choices[Math.floor(pick * choices.length)];
  }
}

function matches(matcher: FaultMatcher, subject: FaultSubject): boolean {
  if (matcher.route !== undefined) {
    const routes: readonly RouteName[] = typeof matcher.route === 'string' ? [matcher.route] : matcher.route;
    if (!routes.includes(subject.route)) return false;
  }
  if (matcher.method !== undefined && matcher.method.toUpperCase() !== subject.method.toUpperCase())
    return false;
  return matcher.match === undefined || matcher.match(subject);
}

const GATEWAY_REASONS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** The faults that are plain HTTP answers (the others need the transport: resets, hang). */
export type HttpFault = Extract<Fault, { kind: 'status' | 'html' | 'malformed-json' | 'error-200' }>;

/** The response of a fault that is a plain HTTP answer. */
export function faultResponse(fault: HttpFault, requestId: string): Response {
  switch (fault.kind) {
    case 'status': {
      const headers = fault.headers ?? {};
      if (typeof fault.body === 'string') return new Response(fault.body, { status: fault.status, headers });
      if (fault.body !== undefined) {
        return new Response(JSON.stringify(fault.body), {
          status: fault.status,
          headers: { 'content-type': 'application/json', ...headers },
        });
      }
      const typical = typicalError(fault.status);
      const code = fault.code ?? typical.code;
      const message = fault.message ?? typical.message;
      return errorResponse({ status: fault.status, code, message, headers }, requestId);
    }
    case 'html': {
      const status = fault.status ?? 502;
      const title = `${status} ${GATEWAY_REASONS[status] ?? 'Error'}`;
      const page = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n`;
      return new Response(page, { status, headers: { 'content-type': 'text/html' } });
    }
    case 'malformed-json':
      return new Response(`{"request_id":"${requestId}","output":{"task_id":`, {
        status: fault.status ?? 200,
        headers: { 'content-type': 'application/json' },
      });
    case 'error-200':
      return errorResponse(
        {
          status: 200,
          code: fault.code ?? 'InternalError',
          message: fault.message ?? 'An internal error has occurred, please try again later.',
        },
        requestId,
      );
  }
}
