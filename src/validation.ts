/**
 * The client's own input checks: zod failures become one {@link ValidationError} listing every
 * problem, before anything is sent.
 */
import { z } from 'zod';
import type { EndpointCall } from './endpoints.js';
import { ValidationError } from './errors.js';
import { taskIdSchema } from './schemas.js';

/** Parses `value` with `schema`, or throws a `ValidationError` about `what`. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(result.error, what);
  return result.data;
}

/** A task id that cannot change the request path, or a `ValidationError` naming `taskId`. */
export function parseTaskId(taskId: string): string {
  const result = taskIdSchema.safeParse(taskId);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ path: 'taskId', message: issue.message })),
      'task id',
    );
  }
  return result.data;
}

const waitTimeoutSchema = z
  .number({ error: 'must be a number of ms or null' })
  .positive({ error: 'must be a positive number of ms, or null for no deadline' })
  .nullable()
  .optional();

/** A wait's `timeout`: positive ms, `null` for none, or undefined for the default. */
export function checkWaitTimeout(timeout: unknown): void {
  parse(waitTimeoutSchema, timeout, 'timeout');
}

/** An error message saying what was expected and what came. */
const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => `${what}; got ${String(issue.input)}`,
});

/** Per-call overrides of the client's request settings, checked like the client's own. */
const requestOverridesSchema = z.object({
  timeout: z
    .number(expected('must be a positive number of ms'))
    .positive(expected('must be a positive number of ms'))
    .optional(),
  maxRetries: z
    .int(expected('must be a whole number ≥ 0'))
    .min(0, expected('must be a whole number ≥ 0'))
    .optional(),
});

/**
 * The per-call settings to hand the endpoints: the signal and any `timeout`/`maxRetries` override,
 * or a `ValidationError` naming a bad override before anything is sent.
 */
export function requestCall(options: {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
  maxRetries?: number | undefined;
}): EndpointCall {
  const { timeout, maxRetries } = parse(
    requestOverridesSchema,
    { timeout: options.timeout, maxRetries: options.maxRetries },
    'request options',
  );
  return { signal: options.signal, timeout, maxRetries };
}

/** A result video URL: only http(s), never a local path. */
const videoUrlSchema = z.object({
  videoUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
});

/** The URL of a result to download, or a `ValidationError`. */
export function parseVideoUrl(url: string): string {
  return parse(videoUrlSchema, { videoUrl: url }, 'video URL').videoUrl;
}
