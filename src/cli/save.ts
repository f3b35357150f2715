/**
 * `--out`: saving the finished video through the SDK's `client.downloadVideo` (the CLI has no HTTP
 * path of its own). A failure here happens AFTER a billed job succeeded, so it gets its own exit code
 * and tells the user how to fetch the video again without generating it twice.
 */
import { resolve } from 'node:path';
import type { LivePortraitClient, VideoResult } from '../index.js';
import type { CommandContext } from './commands.js';
import { SaveFailedError } from './exit-codes.js';

/** Where the video went. */
export interface SavedVideo {
  /** Absolute path of the saved file. */
  path: string;
}

/** Download progress as far as the status line uses it; every field is optional on purpose. */
interface DownloadProgress {
  receivedBytes?: number;
  totalBytes?: number;
}

type DownloadVideo = (
  source: VideoResult,
  destPath: string,
  options: { signal?: AbortSignal; onProgress?: (progress: DownloadProgress) => void },
) => Promise<unknown>;

/** Saves `result`'s video to `out`; throws {@link SaveFailedError} unless the user interrupted. */
export async function saveVideo(
  context: CommandContext,
  result: VideoResult,
  out: string,
): Promise<SavedVideo> {
  const { client, reporter, signal } = context;
  const path = resolve(out);
  const download = downloaderOf(client);
  if (!download) {
    throw new SaveFailedError(
      'this version of the SDK cannot download videos yet (client.downloadVideo is missing)',
      result.taskId,
      result.videoUrl,
    );
  }
  reporter.progress('DOWNLOADING');
  try {
    await download(result, path, {
      signal,
      onProgress: (progress) => reporter.detail(describeProgress(progress)),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SaveFailedError(
      `could not save the video to ${path}: ${reason}`,
      result.taskId,
      result.videoUrl,
      {
        cause: error,
      },
    );
  }
  return { path };
}

// Looked up at run time: `downloadVideo` is being added to the client by src/media, and the CLI must
// build and run (without --out) before and after it lands.
function downloaderOf(client: LivePortraitClient): DownloadVideo | undefined {
  const candidate = (client as unknown as { downloadVideo?: unknown }).downloadVideo;
  return typeof candidate === 'function' ? (candidate.bind(client) as DownloadVideo) : undefined;
}

function describeProgress(progress: DownloadProgress): string {
  const received = progress.receivedBytes ?? 0;
  const mb = (received / 1_048_576).toFixed(1);
  if (!progress.totalBytes) return `${mb} MB`;
  return `${mb} MB (${Math.floor((received / progress.totalBytes) * 100)}%)`;
}
