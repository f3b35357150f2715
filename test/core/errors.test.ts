import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorFromAnswer } from '../../src/error-mapping.js';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  LivePortraitError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ValidationError,
} from '../../src/errors.js';

function answer(status: number, json: unknown, retryAfterMs?: number) {
  return { status, json, text: JSON.stringify(json), retryAfterMs };
}

describe('errorFromAnswer', () => {
  it.each([
    [400, 'InvalidParameter', BadRequestError],
    [401, 'InvalidApiKey', AuthenticationError],
    [403, 'Model.AccessDenied', PermissionDeniedError],
    [404, 'ModelNotFound', NotFoundError],
    [429, 'Throttling.RateQuota', RateLimitError],
    [500, 'InternalError', InternalServerError],
    [503, 'ModelUnavailable', InternalServerError],
    [413, 'BadRequest.TooLarge', APIError],
  ] as const)('HTTP %i %s → %o', (status, code, ErrorClass) => {
    const error = errorFromAnswer(answer(status, { code, message: 'why', request_id: 'req-1' }));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(LivePortraitError);
    expect(error).toMatchObject({ status, code, requestId: 'req-1' });
    expect(error.message).toBe(`${status} ${code}: why (request req-1)`);
  });

  it('carries Retry-After on rate-limit errors', () => {
    const error = errorFromAnswer(answer(429, { code: 'Throttling' }, 2_000));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(2_000);
  });

  it('an error body under HTTP 200 is still an error, classified by its code', () => {
    expect(
      errorFromAnswer(answer(200, { code: 'Throttling.RateQuota', message: 'slow down' })),
    ).toBeInstanceOf(RateLimitError);
    expect(errorFromAnswer(answer(200, { code: 'InvalidParameter' }))).toBeInstanceOf(BadRequestError);
    expect(errorFromAnswer(answer(200, { code: 'InvalidApiKey' }))).toBeInstanceOf(AuthenticationError);
    expect(errorFromAnswer(answer(200, { code: 'InternalError.Algo' }))).toBeInstanceOf(InternalServerError);
    expect(errorFromAnswer(answer(200, { code: 'ModelUnavailable' }))).toBeInstanceOf(InternalServerError);
    // The status stays the one that was really answered.
    expect(errorFromAnswer(answer(200, { code: 'InvalidParameter' }))).toMatchObject({ status: 200 });
    expect(errorFromAnswer(answer(200, { code: 'SomethingNew' })).constructor).toBe(APIError);
  });

  it('an HTML gateway page becomes an APIError with a short snippet, never a parse crash', () => {
    const html = `<html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(5_000)}</body></html>`;
    const error = errorFromAnswer({ status: 502, json: undefined, text: html, retryAfterMs: undefined });
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.code).toBe('HTTP502');
    expect(error.message).toMatch(/^502 HTTP502: 502 Bad Gateway x+…$/);
    expect(error.message.length).toBeLessThan(160);
  });
});

describe('ValidationError', () => {
  it('lists every issue with its path, and names unknown keys one by one', () => {
    const schema = z.strictObject({ a: z.number(), b: z.string() });
    const parsed = schema.safeParse({ a: 'x', b: 1, typo: true, other: 2 });
    if (parsed.success) throw new Error('expected failure');
    const error = ValidationError.fromZod(parsed.error, 'thing');
    expect(error.issues.map((i) => i.path)).toEqual(['a', 'b', 'typo', 'other']);
    expect(error.issues.find((i) => i.path === 'typo')?.message).toBe('is not a known option');
    expect(error.message).toMatch(
      /^Invalid thing: a .+; b .+; typo is not a known option; other is not a known option$/,
    );
  });

  it('serializes its useful fields with JSON.stringify', () => {
    const error = new ValidationError([{ path: 'videoFps', message: 'too high' }]);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ValidationError',
      message: 'Invalid input: videoFps too high',
      issues: [{ path: 'videoFps', message: 'too high' }],
    });
  });
});
