/**
 * Quick start: a portrait and a voice recording in, a talking-portrait MP4 on disk out.
 *
 *   DASHSCOPE_API_KEY=sk-... npx tsx examples/quickstart.ts [imageUrl] [audioUrl]
 *
 * `npm run demo` runs this same file against the bundled emulator, no key needed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LivePortraitClient, LivePortraitError, type ProgressEvent } from 'dashscope-liveportrait';

/** The samples of the model document. */
export const SAMPLE_IMAGE =
  'https://help-static-aliyun-doc.aliyuncs.com/file-manage-files/20250911/ynhjrg/p874909.png';
export const SAMPLE_AUDIO =
  'https://help-static-aliyun-doc.aliyuncs.com/file-manage-files/20251226/fwnqyq/liveportrait_boy.mp3';

export async function quickstart(
  imageUrl = SAMPLE_IMAGE,
  audioUrl = SAMPLE_AUDIO,
  outDir = 'out',
): Promise<string> {
  // Reads DASHSCOPE_API_KEY and DASHSCOPE_HTTP_BASE_URL from the environment.
  const client = new LivePortraitClient();
  try {
    const video = await client.generateVideo(imageUrl, audioUrl, {
      detect: true, // reject a portrait without a usable face before paying for a job
      templateId: 'normal',
      onSubmitted: ({ taskId }) => console.log(`submitted  task ${taskId}`),
      onProgress: (event: ProgressEvent) =>
        console.log(`${event.status.padEnd(10)} ${seconds(event.elapsedMs)}`),
    });
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, `${video.taskId}.mp4`);
    // The video URL lives 24 hours: keep the file, not the link.
    const saved = await client.downloadVideo(video, path);
    console.log(
      `saved      ${saved.path} (${(saved.bytes / 1024).toFixed(1)} KB, ${video.videoDuration ?? '?'} s of video)`,
    );
    return saved.path;
  } finally {
    await client.close();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

// Run when executed directly, not when imported by the demo.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  quickstart(process.argv[2], process.argv[3]).catch((error: unknown) => {
    console.error(error instanceof LivePortraitError ? `${error.name}: ${error.message}` : error);
    process.exitCode = 1;
  });
}
