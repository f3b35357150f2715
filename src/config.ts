/**
 * Client options, their defaults, and the checks that make a bad configuration fail at construction
 * rather than at the first request.
 */
import type { Dispatcher } from 'undici';
import { ConfigurationError } from './errors.js';
import type { Logger } from './logger.js';
import type { SchedulerTime } from './polling/scheduler.js';
import type { PollSchedule } from './wait.js';

/** The documented endpoint (China, Beijing region: LivePortrait needs a Beijing API key). */
export const DEFAULT_BASE_URL = 'https://dashscope.aliyuncs.com/api/v1';

/** Options of {@link LivePortraitClient}. Every field is optional. */
export interface ClientOptions {
  /** DashScope API key. Default: `process.env.DASHSCOPE_API_KEY`. */
  apiKey?: string | undefined;
  /** Default: `process.env.DASHSCOPE_HTTP_BASE_URL`, else `https://dashscope.aliyuncs.com/api/v1`. */
  baseURL?: string | undefined;
  /** Per HTTP request, in ms. Default 60 000. */
  timeout?: number | undefined;
  /** Retries per HTTP call (see the README for which failures). Default 2. */
  maxRetries?: number | undefined;
  /** Upper bound of one retry wait, including a server's `Retry-After`, in ms. Default 60 000. */
  maxRetryDelay?: number | undefined;
  /** An undici Dispatcher (proxy, custom pool). Default: one keep-alive Agent per client. */
  dispatcher?: Dispatcher | undefined;
  /** Extra headers on every request. */
  defaultHeaders?: Record<string, string> | undefined;
  /** DashScope workspace id, sent as `X-DashScope-WorkSpace`. */
  workspace?: string | undefined;
  /** Allow a plain `http://` base URL on a non-loopback host (the key would travel unencrypted). */
  allowInsecureHttp?: boolean | undefined;
  /** Receives debug lines: method, path, status, attempt, request id, timing. Never the key. */
  logger?: Logger | undefined;
  /**
   * Gaps between polls while waiting: `initialMs` is the gap where an end is likely (and before the
   * first poll of a job just submitted); beyond that the gap grows by `factor` up to `maxMs`.
   * Default: 1 s growing by 25% per poll up to 5 s, ±10% jitter.
   */
  pollSchedule?: Partial<PollSchedule> | undefined;
  /**
   * Task queries per second all waits of this client may send together (polls and task lists).
   * DashScope allows 20 per Alibaba Cloud account, all keys and processes together: lower it when
   * other processes share the account. Shrinks by itself on a 429 and recovers slowly. Default 20.
   */
  pollBudget?: number | undefined;
  /**
   * Jobs of `generateVideo()` submitted and not yet ended at once; further calls wait in the client
   * (their `signal` still aborts them) instead of being refused by DashScope. Default: no limit.
   */
  maxConcurrentJobs?: number | undefined;
  /**
   * @internal For tests and benchmarks only, not part of the public API and not covered by semver:
   * the clocks and timer of the poll scheduler (e.g. a scaled clock shared with the emulator).
   */
  schedulerTime?: SchedulerTime | undefined;
}

/** The options after defaults and checks. */
export interface ResolvedConfig {
  apiKey: string;
  baseURL: string;
  timeout: number;
  maxRetries: number;
  maxRetryDelay: number;
  pollBudget: number;
  maxConcurrentJobs: number;
}

export function resolveConfig(options: ClientOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const apiKey = options.apiKey ?? env.DASHSCOPE_API_KEY;
  if (!apiKey?.trim()) {
    throw new ConfigurationError(
      'No DashScope API key: pass { apiKey } or set the DASHSCOPE_API_KEY environment variable ' +
        '(LivePortrait needs a key of the China (Beijing) region)',
    );
  }
  return {
    apiKey: apiKey.trim(),
    baseURL: resolveBaseURL(options.baseURL ?? env.DASHSCOPE_HTTP_BASE_URL ?? DEFAULT_BASE_URL, options),
    timeout: positive('timeout', options.timeout ?? 60_000),
    maxRetries: wholeNumber('maxRetries', options.maxRetries ?? 2),
    maxRetryDelay: wholeNumber('maxRetryDelay', options.maxRetryDelay ?? 60_000),
    pollBudget: positiveRate('pollBudget', options.pollBudget ?? 20),
    maxConcurrentJobs: atLeastOne('maxConcurrentJobs', options.maxConcurrentJobs ?? Number.POSITIVE_INFINITY),
  };
}

function resolveBaseURL(raw: string, options: ClientOptions): string {
  if (!URL.canParse(raw)) throw new ConfigurationError(`baseURL is not a URL: ${JSON.stringify(raw)}`);
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`baseURL must be https: (or http: on loopback); got ${url.protocol}`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !options.allowInsecureHttp) {
    throw new ConfigurationError(
      `baseURL ${url.origin} is plain http on a non-loopback host: the API key would travel unencrypted. ` +
        'Use https, or pass { allowInsecureHttp: true } if you really mean it',
    );
  }
  if (url.search || url.hash) throw new ConfigurationError('baseURL must not have a query or a fragment');
  return url.toString().replace(/\/+$/, '');
}

/**
 * 127.0.0.0/8, ::1 (also IPv4-mapped, `::ffff:127.x.y.z`) and `localhost`: traffic that never leaves the
 * machine. Takes a WHATWG `URL.hostname`, which has already turned `127.1`, `0x7f.1` or `2130706433`
 * into dotted form. `*.localhost` names are not trusted: Node resolves them through the system resolver,
 * which may send them anywhere, and the key would follow in clear text.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
  );
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive number of ms`);
  return value;
}

function wholeNumber(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigurationError(`${name} must be a whole number ≥ 0`);
  return value;
}

function positiveRate(name: string, value: number): number {
  if (!(value > 0)) throw new ConfigurationError(`${name} must be a number of queries per second > 0`);
  return value;
}

function atLeastOne(name: string, value: number): number {
  if (value !== Number.POSITIVE_INFINITY && !(Number.isInteger(value) && value >= 1))
    throw new ConfigurationError(`${name} must be a whole number ≥ 1`);
  return value;
}
