/**
 * `Retry-After` is honored on every answer that is retried (RFC 9110 defines it for 503 too, and
 * gateways send it during maintenance), in seconds or as an HTTP date, clamped by `maxRetryDelay`.
 * Time is injected: the transport's sleep records each delay and returns at once.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APIError, InternalServerError, RateLimitError } from '../../src/errors.js';
import type { AccountBudget } from '../../src/polling/ports.js';
import { clampedRetryAfter, retryAfterMs, retryDelay } from '../../src/retry.js';
import { Transport } from '../../src/transport.js';
import { API_KEY, emulator } from '../helpers/setup.js';

const details = (status: number) => ({ status, code: `HTTP${status}`, requestId: undefined });

describe('retryDelay honors Retry-After on any retried status', () => {
  const options = { maxRetryDelay: 60_000, random: () => 0 };

  it.each([408, 500, 502, 503, 504])('HTTP %i with Retry-After waits what the server asked', (status) => {
    const error = errorWith(status, 2_000);
    expect(retryAfterMs(error)).toBe(2_000);
    expect(retryDelay(error, 1, options)).toBe(2_000);
    expect(retryDelay(errorWith(status, 120_000), 1, options)).toBe(60_000);
  });

  it('no Retry-After, or no answer at all, falls back to backoff', () => {
    expect(retryAfterMs(new InternalServerError('x', details(503)))).toBeUndefined();
    expect(retryAfterMs(new Error('socket hang up'))).toBeUndefined();
    expect(retryDelay(new InternalServerError('x', details(503)), 1, options)).toBe(250);
  });
});

describe('clampedRetryAfter: the one ceiling of a server-asked wait', () => {
  it('caps what the server asked at max, and passes a shorter ask through', () => {
    expect(clampedRetryAfter(errorWith(429, 120_000), 60_000)).toBe(60_000);
    expect(clampedRetryAfter(errorWith(503, 2_000), 60_000)).toBe(2_000);
    expect(clampedRetryAfter(errorWith(503, 0), 60_000)).toBe(0);
  });

  it('is undefined when the server did not say, and caps nothing without a max', () => {
    expect(clampedRetryAfter(new InternalServerError('x', details(503)), 60_000)).toBeUndefined();
    expect(clampedRetryAfter(new Error('socket hang up'), 60_000)).toBeUndefined();
    expect(clampedRetryAfter(errorWith(429, 120_000), undefined)).toBe(120_000);
  });
});

function errorWith(status: number, retryAfter: number): APIError {
  const Class = status === 429 ? RateLimitError : status >= 500 ? InternalServerError : APIError;
  return new Class('x', { ...details(status), retryAfterMs: retryAfter });
}

describe('the transport waits what Retry-After asks, on 503 and every retried status', () => {
  async function delaysFor(
    headers: Record<string, string>,
    status: number,
    maxRetryDelay = 60_000,
    budget?: AccountBudget,
  ) {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'status', status, headers });
    const delays: number[] = [];
    const transport = new Transport({
      apiKey: API_KEY,
      baseURL: running.baseURL,
      timeout: 10_000,
      maxRetries: 2,
      maxRetryDelay,
      // Records the wait and returns at once: nothing here depends on the machine's speed.
      sleep: async (ms) => void delays.push(ms),
      random: () => 0,
      budget,
    });
    try {
      await transport.request({
        method: 'GET',
        path: '/tasks/t-1',
        schema: z.unknown(),
        retry: 'idempotent',
        spends: budget && 'query',
      });
    } finally {
      await transport.close();
    }
    expect(running.stats.byRoute.query).toBe(2);
    return delays;
  }

  it.each([429, 500, 502, 503, 504])('HTTP %i with Retry-After: 2 waits 2 s', async (status) => {
    expect(await delaysFor({ 'retry-after': '2' }, status)).toEqual([2_000]);
  });

  it('an HTTP date is read against the wall clock', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    const [delay] = await delaysFor({ 'retry-after': date }, 503);
    // The date has whole seconds; the bounds only exclude a date that was not read (250 ms backoff).
    expect(delay).toBeGreaterThan(20_000);
    expect(delay).toBeLessThanOrEqual(30_000);
  });

  it('is clamped by maxRetryDelay, seconds and dates alike', async () => {
    expect(await delaysFor({ 'retry-after': '3600' }, 503, 5_000)).toEqual([5_000]);
    const date = new Date(Date.now() + 3_600_000).toUTCString();
    expect(await delaysFor({ 'retry-after': date }, 503, 5_000)).toEqual([5_000]);
  });

  it('tells the account budget of a 429 with the same clamp', async () => {
    const pauses: Array<number | undefined> = [];
    const budget: AccountBudget = {
      take: async () => {},
      throttled: (_kind, retryAfterMs) => void pauses.push(retryAfterMs),
      queryRate: () => 20,
    };
    expect(await delaysFor({ 'retry-after': '3600' }, 429, 5_000, budget)).toEqual([5_000]);
    expect(pauses).toEqual([5_000]);
  });
});
