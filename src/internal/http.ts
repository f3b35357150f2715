/** What the DashScope transport and the media requests share about HTTP. */
import { AbortError } from '../errors.js';
import { VERSION } from '../version.js';

/** Sent on every request, DashScope's and media hosts' alike. Built once: it cannot change while the process runs. */
export const USER_AGENT = `dashscope-liveportrait/${VERSION} node/${process.version}`;

/** The caller's abort, as the SDK's error. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError('The operation was aborted', { cause: signal.reason });
}

/** First value of a header. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
