/**
 * The client's own input checks: zod failures become one {@link ValidationError} listing every
 * problem, before anything is sent.
 */
import { z } from 'zod';
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

/** A result video URL: only http(s), never a local path. */
const videoUrlSchema = z.object({
  videoUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
});

/** The URL of a result to download, or a `ValidationError`. */
export function parseVideoUrl(url: string): string {
  return parse(videoUrlSchema, { videoUrl: url }, 'video URL').videoUrl;
}
