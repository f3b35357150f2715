import { describe, expect, it, vi } from 'vitest';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  InternalServerError,
  RateLimitError,
  RequestTimeoutError,
} from '../../src/errors.js';
import { isRetryable, parseRetryAfter, retryDelay, withRetries } from '../../src/retry.js';

const details = (status: number, code = `HTTP${status}`) => ({ status, code, requestId: undefined });
const withCode = (code: string) => Object.assign(new Error(code), { code });
const connection = (code: string) => new ConnectionError('failed', { cause: withCode(code) });

describe('isRetryable', () => {
  it('retries transient answers of idempotent calls: 408, 429, 500, 502, 503, 504', () => {
    for (const status of [500, 502, 503, 504]) {
      expect(isRetryable(new InternalServerError('x', details(status)), 'idempotent')).toBe(true);
    }
    expect(isRetryable(new APIError('x', details(408, 'RequestTimeOut')), 'idempotent')).toBe(true);
    expect(isRetryable(new RateLimitError('x', details(429, 'Throttling')), 'idempotent')).toBe(true);
    expect(isRetryable(new InternalServerError('x', details(501)), 'idempotent')).toBe(false);
  });

  it('never retries other 4xx', () => {
    expect(isRetryable(new BadRequestError('x', details(400)), 'idempotent')).toBe(false);
    expect(isRetryable(new AuthenticationError('x', details(401)), 'idempotent')).toBe(false);
    expect(isRetryable(new APIError('x', details(413)), 'idempotent')).toBe(false);
  });

  it('never retries 429 billing blocks: waiting does not pay the bill', () => {
    for (const code of ['PrepaidBillOverdue', 'PostpaidBillOverdue', 'CommodityNotPurchased']) {
      expect(isRetryable(new RateLimitError('x', details(429, code)), 'idempotent')).toBe(false);
      expect(isRetryable(new RateLimitError('x', details(429, code)), 'submit')).toBe(false);
    }
  });

  it('retries every connection failure and timeout of idempotent calls', () => {
    expect(isRetryable(connection('ECONNRESET'), 'idempotent')).toBe(true);
    expect(isRetryable(new RequestTimeoutError('slow'), 'idempotent')).toBe(true);
  });

  it('retries submit only where no job can exist: 429 and never-sent connections', () => {
    expect(isRetryable(new RateLimitError('x', details(429, 'Throttling.RateQuota')), 'submit')).toBe(true);
    for (const code of [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'UND_ERR_CONNECT_TIMEOUT',
      'CERT_HAS_EXPIRED',
    ]) {
      expect(isRetryable(connection(code), 'submit')).toBe(true);
    }
    // Ambiguous: the server may have created the job before the failure.
    expect(isRetryable(connection('ECONNRESET'), 'submit')).toBe(false);
    expect(isRetryable(connection('UND_ERR_SOCKET'), 'submit')).toBe(false);
    expect(isRetryable(new RequestTimeoutError('slow'), 'submit')).toBe(false);
    expect(isRetryable(new InternalServerError('x', details(500)), 'submit')).toBe(false);
    expect(isRetryable(new InternalServerError('x', details(503)), 'submit')).toBe(false);
  });

  it('finds the code deep in the cause chain', () => {
    const deep = new ConnectionError('a', { cause: new Error('b', { cause: withCode('ECONNREFUSED') }) });
    expect(isRetryable(deep, 'submit')).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0.5 ', now)).toBe(500);
  });
  it('reads an HTTP date, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const limited = (retryAfterMs: number | undefined) =>
    new RateLimitError('x', { ...details(429, 'Throttling'), retryAfterMs });

  it('honors Retry-After, clamped by maxRetryDelay', () => {
    expect(retryDelay(limited(4_000), 1, { maxRetryDelay: 60_000, random: () => 0 })).toBe(4_000);
    expect(retryDelay(limited(120_000), 1, { maxRetryDelay: 60_000, random: () => 0 })).toBe(60_000);
  });

  it('otherwise backs off exponentially with jitter between half and all of the step', () => {
    const options = { maxRetryDelay: 60_000, baseDelay: 500 };
    expect(retryDelay(limited(undefined), 1, { ...options, random: () => 0 })).toBe(250);
    expect(retryDelay(limited(undefined), 1, { ...options, random: () => 0.999999 })).toBeCloseTo(500, 0);
    expect(retryDelay(limited(undefined), 4, { ...options, random: () => 0 })).toBe(2_000);
    expect(retryDelay(limited(undefined), 20, { ...options, random: () => 0 })).toBe(60_000);
  });
});

describe('withRetries', () => {
  const base = { maxRetryDelay: 1_000, random: () => 0, sleep: vi.fn(async () => {}) };

  it('makes 1 + maxRetries attempts on a persistent transient failure, sleeping between them', async () => {
    const attempt = vi.fn(async () => {
      throw new InternalServerError('x', details(503));
    });
    const sleep = vi.fn(async () => {});
    await expect(
      withRetries(attempt, { ...base, sleep, policy: 'idempotent', maxRetries: 2 }),
    ).rejects.toBeInstanceOf(InternalServerError);
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls.map((call) => (call as unknown[])[0])).toEqual([250, 500]);
  });

  it('stops at the first fatal failure', async () => {
    const attempt = vi.fn(async () => {
      throw new BadRequestError('x', details(400));
    });
    await expect(
      withRetries(attempt, { ...base, policy: 'idempotent', maxRetries: 5 }),
    ).rejects.toBeInstanceOf(BadRequestError);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      if (calls < 3) throw connection('ECONNRESET');
      return 'ok';
    };
    await expect(withRetries(attempt, { ...base, policy: 'idempotent', maxRetries: 2 })).resolves.toBe('ok');
  });

  it('a sleep aborted by the signal ends the retries with the signal reason', async () => {
    const controller = new AbortController();
    const attempt = vi.fn(async () => {
      throw connection('ECONNRESET');
    });
    const sleep = async () => {
      controller.abort(new Error('user stop'));
      throw controller.signal.reason;
    };
    await expect(
      withRetries(attempt, {
        ...base,
        sleep,
        signal: controller.signal,
        policy: 'idempotent',
        maxRetries: 5,
      }),
    ).rejects.toThrow('user stop');
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
