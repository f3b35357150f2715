/**
 * Two answers that once ended a wait although the job was fine: an error body under HTTP 200 with one
 * of DashScope's server-side codes, and a 2xx body that cannot be read. Both are transient for calls
 * that are safe to repeat, and never retried for a submit.
 */
import { describe, expect, it } from 'vitest';
import { errorFromAnswer } from '../../src/error-mapping.js';
import { APIError, InternalServerError, RateLimitError } from '../../src/errors.js';
import { isRetryable } from '../../src/retry.js';

const under200 = (code: string) =>
  errorFromAnswer({ status: 200, json: { code, message: 'x' }, text: '', retryAfterMs: undefined });

describe('an error body under HTTP 200', () => {
  it.each([
    'InternalError',
    'InternalError.Algo',
    'InternalError.Timeout',
    'SystemError',
    'ModelServiceFailed',
    'ModelUnavailable',
  ])('%s is an InternalServerError with status 200, retried only where repeating is safe', (code) => {
    const error = under200(code);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 200, code });
    expect(isRetryable(error, 'idempotent')).toBe(true);
    expect(isRetryable(error, 'submit')).toBe(false);
  });

  it('a client-side or unknown code is not retried', () => {
    for (const code of ['InvalidParameter', 'InvalidApiKey', 'SomethingNew']) {
      expect(under200(code)).toBeInstanceOf(APIError);
      expect(isRetryable(under200(code), 'idempotent')).toBe(false);
    }
  });

  it('Throttling stays a RateLimitError', () => {
    expect(under200('Throttling.RateQuota')).toBeInstanceOf(RateLimitError);
  });
});

describe('a 2xx body that cannot be read (InvalidResponse)', () => {
  const unreadable = new APIError('200 InvalidResponse', {
    status: 200,
    code: 'InvalidResponse',
    requestId: undefined,
  });

  it('is retried where repeating is safe, never on submit', () => {
    expect(isRetryable(unreadable, 'idempotent')).toBe(true);
    expect(isRetryable(unreadable, 'submit')).toBe(false);
  });

  it('an error status claiming the same code is judged by its status', () => {
    const claimed = new APIError('400', { status: 400, code: 'InvalidResponse', requestId: undefined });
    expect(isRetryable(claimed, 'idempotent')).toBe(false);
  });
});
