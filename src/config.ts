/**
 * Client options, their defaults, and the checks that make a bad configuration fail at construction
 * rather than at the first request.
 */
import type { Dispatcher } from 'undici';
import { ConfigurationError } from './errors.js';
import { DEFAULT_BASE_URL } from './internal/wire.js';
import type { Logger } from './logger.js';
import type { Coordinator } from './polling/ports.js';
import type { PollSchedule } from './wait.js';

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
   * Gaps between a wait's polls: `initialMs` first (also before the first poll of a job just
   * submitted, and the shortest gap between two sweeps of the task list), growing by `factor` per poll
   * up to `maxMs`. Default: 1 s growing by 1% per poll up to 5 s, ±10% jitter.
   */
  pollSchedule?: Partial<PollSchedule> | undefined;
  /**
   * Task queries per second this client may send (polls, task lists, `getTask`). DashScope allows 20
   * per Alibaba Cloud account, all keys and processes together: lower it when other processes share
   * the account. Shrinks by itself on a 429 and recovers slowly. Default 20. With `coordinator`, set
   * the rate there instead.
   */
  pollBudget?: number | undefined;
  /**
   * Jobs of `generateVideo()` submitted and not yet ended at once; further calls wait in the client
   * (their `signal` still aborts them) instead of being refused by DashScope. Default: no limit.
   * With `coordinator`, set the limit there instead.
   */
  maxConcurrentJobs?: number | undefined;
  /**
   * Where the account's query and submit budget, `maxConcurrentJobs` and bulk end detection live.
   * Default: in this client, from `pollBudget` and `maxConcurrentJobs`. Pass one
   * `createLocalCoordinator()` to several clients to make them share it, or a fleet-wide coordinator.
   */
  coordinator?: Coordinator | undefined;
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
  if (options.coordinator && (options.pollBudget !== undefined || options.maxConcurrentJobs !== undefined)) {
    throw new ConfigurationError(
      'pollBudget and maxConcurrentJobs belong to the coordinator when one is given: ' +
        'pass them to createLocalCoordinator({ queriesPerSecond, maxConcurrentJobs }) instead',
    );
  }
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
