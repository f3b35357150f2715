/**
 * Which failures are retried, and how long to wait before the next attempt. Pure decisions: the
 * transport runs them through p-retry, with its clock-free sleep and random source passed in.
 */
import pRetry from 'p-retry';
import { APIError, BILLING_CODES, ConnectionError, InternalServerError, RateLimitError } from './errors.js';
import type { Sleep } from './internal/time.js';

/**
 * `idempotent`: safe to repeat (queries, cancel, the image check), so every transient failure is retried.
 * `submit`: creates a billed job and DashScope has no idempotency key, so only failures where no job
 * can exist are retried: a 429, or a connection that never carried the request.
 */
export type RetryPolicy = 'idempotent' | 'submit';

/** HTTP statuses worth a second try when the request is idempotent (DashScope's and media hosts' alike). */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Error codes (anywhere in the `cause` chain) of failures before the request left this process. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Whether `error` may be retried under `policy`. */
export function isRetryable(error: unknown, policy: RetryPolicy): boolean {
  if (error instanceof RateLimitError) return !BILLING_CODES.has(error.code);
  if (policy === 'submit') return error instanceof ConnectionError && neverSent(error);
  // A 2xx whose body was cut off or not understood says nothing about the task: asking again is safe.
  if (error instanceof APIError && error.code === 'InvalidResponse' && error.status < 300) return true;
  if (error instanceof InternalServerError)
    return error.status === 200 || TRANSIENT_STATUSES.has(error.status);
  if (error instanceof APIError)
    return TRANSIENT_STATUSES.has(error.status) || error.code === 'RequestTimeOut';
  return error instanceof ConnectionError;
}

/** True when the cause chain shows the request never reached the server (refused, DNS, TLS). */
export function neverSent(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 8; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** Backoff settings. */
export interface BackoffOptions {
  /** Upper bound of any single wait, including a server's `Retry-After`. */
  maxRetryDelay: number;
  /** First exponential delay before jitter. */
  baseDelay?: number;
  /** `[0, 1)`; injected so tests are deterministic. */
  random: () => number;
}

/**
 * The wait before retry number `retry` (1-based): the server's `Retry-After` when it gave one (on any
 * retried status, see {@link retryAfterMs}),
 * otherwise exponential backoff with jitter (between half and all of `base * 2^(retry-1)`).
 * Either way clamped to `maxRetryDelay`.
 */
export function retryDelay(error: unknown, retry: number, options: BackoffOptions): number {
  const asked = clampedRetryAfter(error, options.maxRetryDelay);
  if (asked !== undefined) return asked;
  const exponential = (options.baseDelay ?? 500) * 2 ** (retry - 1);
  const jittered = exponential * (0.5 + options.random() / 2);
  return Math.min(jittered, options.maxRetryDelay);
}

/**
 * How long the server asked to wait before the next try (its `Retry-After`, in ms), for any failure it
 * answered: 429, 503 or any other status. Undefined when it did not say or `error` is no answer at all.
 * Not clamped: see {@link clampedRetryAfter}.
 */
export function retryAfterMs(error: unknown): number | undefined {
  return error instanceof APIError ? error.retryAfterMs : undefined;
}

/**
 * The server's `Retry-After` (see {@link retryAfterMs}) capped at `max` ms, the one ceiling every
 * wait it causes obeys (retries, polls, the budget's pause): a server cannot stall a client longer
 * than its `maxRetryDelay`. Undefined when the server did not say; `max` undefined caps nothing.
 */
export function clampedRetryAfter(error: unknown, max: number | undefined): number | undefined {
  const asked = retryAfterMs(error);
  return asked === undefined || max === undefined ? asked : Math.min(asked, max);
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (against `now`, epoch ms). Undefined when
 * absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date always names a weekday or month; without letters, `Date.parse('-5')` reads a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What {@link withRetries} needs: the policy, the retry budget, and time as dependencies. */
export interface RetryRunOptions extends BackoffOptions {
  policy: RetryPolicy;
  maxRetries: number;
  sleep: Sleep;
  signal?: AbortSignal | undefined;
  /** Told about each retry before its wait; for debug logs. */
  onRetry?: (info: { error: unknown; retry: number; delayMs: number }) => void;
}

/**
 * Runs `attempt` until it succeeds, fails in a way {@link isRetryable} refuses, or the budget is spent.
 * The wait happens inside p-retry's `shouldRetry` (p-retry's own delay is zero) so that it can honor
 * `Retry-After` and be aborted by `signal`.
 *
 * The first attempt runs outside p-retry: nearly every call succeeds at once, and entering p-retry
 * (options copied and validated, its async loop) cost ~5 µs per call, a fifth of a loopback request.
 * A first failure enters p-retry as its own attempt 1 (replayed, not re-sent), so every rule applies
 * to it exactly as before.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryRunOptions,
): Promise<T> {
  options.signal?.throwIfAborted();
  let firstFailure: unknown;
  try {
    const result = await attempt(1);
    options.signal?.throwIfAborted();
    return result;
  } catch (error) {
    firstFailure = error;
  }
  return pRetry((n) => (n === 1 ? Promise.reject(firstFailure) : attempt(n)), {
    retries: options.maxRetries,
    minTimeout: 0,
    maxTimeout: 0,
    signal: options.signal,
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!isRetryable(error, options.policy)) return false;
      const delayMs = retryDelay(error, attemptNumber, options);
      options.onRetry?.({ error, retry: attemptNumber, delayMs });
      await options.sleep(delayMs, options.signal);
      return true;
    },
  });
}
