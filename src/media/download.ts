/**
 * Downloading the result video to disk, atomically and durably, as atomic writers do: bytes go to a
 * temporary file beside the destination, which is synced to disk, renamed into place, and then the
 * directory is synced too. Whatever happens — abort, reset, expired link, full disk, power loss — no
 * half-written or empty file ever carries the final name, and the temporary file is removed. A
 * file-system failure becomes a {@link SaveFailedError} that keeps the task id and the video URL.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConnectionError, MediaUnreachableError, ResultExpiredError, SaveFailedError } from '../errors.js';
import { headerValue } from '../internal/http.js';
import { connectionFailure, type MediaDeps, mediaRequest, redactUrl, withMediaRetries } from './http.js';

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

/** What is being downloaded: the video's URL, and its task when known (for {@link SaveFailedError}). */
export interface DownloadSource {
  url: string;
  taskId?: string | undefined;
}

/** The file-system steps of a download, in one place so tests can watch their order. */
export interface DownloadFiles {
  /** A stream writing `path` from its start (truncating it). */
  createWriteStream(path: string): Writable;
  /** Flushes the file's bytes to the disk (`fsync`). */
  syncFile(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Flushes a directory's entries (`fsync` of the directory), so a rename in it survives a power loss. */
  syncDir(dir: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** The real file system. */
export const nodeFiles: DownloadFiles = {
  createWriteStream: (path) => createWriteStream(path, { flags: 'w' }),
  syncFile: (path) => syncPath(path, 'r+'),
  rename,
  syncDir: async (dir) => {
    // Windows cannot open a directory, and NTFS journals the rename itself.
    if (process.platform !== 'win32') await syncPath(dir, 'r');
  },
  remove: (path) => rm(path, { force: true }),
};

async function syncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Streams the video to `destPath`. Transient failures (connection reset, 5xx) are retried from the
 * start; 403 and 404 mean the signed link has expired (24 h after the task ended) and become
 * {@link ResultExpiredError}; a file-system failure becomes {@link SaveFailedError}.
 */
export async function downloadToFile(
  deps: MediaDeps,
  source: DownloadSource,
  destPath: string,
  options: DownloadOptions = {},
  files: DownloadFiles = nodeFiles,
): Promise<DownloadResult> {
  const { url } = source;
  const path = resolve(destPath);
  const dir = dirname(path);
  // Same directory, so the final rename is atomic (one file system); a dot name keeps it out of sight.
  const temp = join(dir, `.${basename(path)}.${randomUUID().slice(0, 8)}.part`);
  let bytes: number;
  try {
    bytes = await withMediaRetries(deps, url, options.signal, () => attempt(deps, url, temp, files, options));
    // Bytes on disk before the name: after a power loss the final name never holds an empty file.
    await files.syncFile(temp);
    await files.rename(temp, path);
  } catch (error) {
    await files.remove(temp).catch(() => undefined);
    if (isFileSystemError(error)) throw saveFailed(source, path, error);
    throw error;
  }
  // The file is complete under its name; this only hardens the rename against a power loss, and some
  // file systems refuse to sync a directory (EINVAL), so a failure here is not the download's.
  await files.syncDir(dir).catch(() => undefined);
  return { path, bytes };
}

function saveFailed(source: DownloadSource, path: string, error: unknown): SaveFailedError {
  return new SaveFailedError(
    { path, videoUrl: source.url, taskId: source.taskId, reason: describeFsError(error, path) },
    { cause: error },
  );
}

/** Says what is wrong in the user's terms (the directory), not the temporary file's. */
function describeFsError(error: unknown, path: string): string {
  const code = (error as { code?: unknown }).code;
  const dir = dirname(path);
  if (code === 'ENOENT') return `the directory ${dir} does not exist`;
  if (code === 'ENOTDIR') return `a part of ${dir} is not a directory`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return `the directory ${dir} is not writable`;
  if (code === 'EISDIR') return `${path} is a directory`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'no space left on the device';
  return error instanceof Error ? error.message : String(error);
}

async function attempt(
  deps: MediaDeps,
  url: string,
  temp: string,
  files: DownloadFiles,
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
  // A retry rewrites the temporary file from the start.
  const file = files.createWriteStream(temp);
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

const FS_SYSCALLS = new Set(['open', 'write', 'close', 'fsync', 'rename']);

function isFileSystemError(error: unknown): boolean {
  const syscall = (error as { syscall?: unknown } | undefined)?.syscall;
  return typeof syscall === 'string' && FS_SYSCALLS.has(syscall);
}
