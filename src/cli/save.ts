/**
 * `--out`: saving the finished video with the SDK's `client.downloadVideo` (atomic: nothing is left
 * at the path on failure). A failure here happens AFTER a billed job succeeded, so it gets its own
 * exit code and tells the user how to fetch the video again without generating it twice.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DownloadProgress, type DownloadResult, SaveFailedError, type VideoResult } from '../index.js';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';

/**
 * Checks, before any job is submitted or waited for, that `out` can be written: finding out after a
 * billed job succeeded is the expensive order. The download itself stays atomic and may still fail.
 */
export function checkOutPath(out: string): void {
  const path = resolve(out);
  const dir = dirname(path);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new UsageError(`--out ${out}: the directory ${dir} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--out ${out}: the directory ${dir} is not writable`);
  }
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--out ${out}: is a directory; give a file name such as ${out}/video.mp4`);
  }
}

/** Saves `result`'s video to `out`; throws `SaveFailedError` unless interrupted or expired. */
export async function saveVideo(
  context: CommandContext,
  result: VideoResult,
  out: string,
): Promise<DownloadResult> {
  const { reporter, signal } = context;
  reporter.progress('DOWNLOADING');
  try {
    return await context.client.downloadVideo(result, out, {
      signal,
      onProgress: (progress) => reporter.detail(describeProgress(progress)),
    });
  } catch (error) {
    // An interruption is reported by run.ts; anything else keeps the task id and the URL (an expired
    // link stays a ResultExpiredError: exit 5, nothing to download again).
    if (signal.aborted) throw error;
    throw SaveFailedError.of(error, { path: resolve(out), videoUrl: result.videoUrl, taskId: result.taskId });
  }
}

function describeProgress(progress: DownloadProgress): string {
  const mb = (progress.bytes / 1_048_576).toFixed(1);
  if (!progress.total) return `${mb} MB`;
  return `${mb} MB (${Math.floor((progress.bytes / progress.total) * 100)}%)`;
}
