/**
 * Downloading the result video to disk, atomically: bytes go to a temporary file beside the
 * destination, which is renamed into place only once complete. Whatever happens — abort, reset,
 * expired link, full disk — no half-written file ever carries the final name, and the temporary file
 * is removed.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConnectionError, MediaUnreachableError, ResultExpiredError } from '../errors.js';
import {
  connectionFailure,
  headerValue,
  type MediaDeps,
  mediaRequest,
  redactUrl,
  withMediaRetries,
} from './http.js';

/** Progress of a download: bytes written so far, and the total when the server sent `Content-Length`. */
export interface DownloadProgress {
  bytes: number;
  total: number | undefined;
}

/** Options of a download. */
export interface DownloadOptions {
  /** Aborts the download; the temporary file is removed and nothing is left at the destination. */
  signal?: AbortSignal | undefined;
  /** Called after every chunk written. A retry starts again from 0 bytes. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
}

/** A finished download. */
export interface DownloadResult {
  /** Absolute path of the file. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
}

/**
 * Streams `url` to `destPath`. Transient failures (connection reset, 5xx) are retried from the
 * start; 403 and 404 mean the signed link has expired (24 h after the task ended) and become
 * {@link ResultExpiredError}.
 */
export async function downloadToFile(
  deps: MediaDeps,
  url: string,
  destPath: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const path = resolve(destPath);
  // Same directory, so the final rename is atomic (one file system); a dot name keeps it out of sight.
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID().slice(0, 8)}.part`);
  try {
    const bytes = await withMediaRetries(deps, url, options.signal, () => attempt(deps, url, temp, options));
    await rename(temp, path);
    return { path, bytes };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function attempt(
  deps: MediaDeps,
  url: string,
  temp: string,
  options: DownloadOptions,
): Promise<number> {
  const { signal, onProgress } = options;
  const response = await mediaRequest(deps, url, { signal });
  if (response.status === 403 || response.status === 404) {
    await response.body.dump().catch(() => undefined);
    throw new ResultExpiredError({ url: redactUrl(url), status: response.status });
  }
  if (response.status !== 200) {
    await response.body.dump().catch(() => undefined);
    throw new MediaUnreachableError({ url: redactUrl(url), status: response.status });
  }
  const length = headerValue(response.headers['content-length']);
  const total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      onProgress?.({ bytes, total });
      callback(null, chunk);
    },
  });
  // 'w' truncates: a retry rewrites the temporary file from the start.
  const file = createWriteStream(temp, { flags: 'w' });
  try {
    await pipeline(response.body, count, file, { signal });
  } catch (error) {
    // A file-system error (no space, no permission) is not the network's fault: never retried.
    if (isFileSystemError(error)) throw error;
    throw connectionFailure(error, url, signal);
  }
  if (total !== undefined && bytes !== total) {
    throw new ConnectionError(`Download of ${redactUrl(url)} ended after ${bytes} of ${total} bytes`);
  }
  return bytes;
}

function isFileSystemError(error: unknown): boolean {
  const syscall = (error as { syscall?: unknown } | undefined)?.syscall;
  return typeof syscall === 'string' && ['open', 'write', 'close', 'fsync'].includes(syscall);
}
