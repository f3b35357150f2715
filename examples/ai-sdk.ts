/**
 * LivePortrait through the Vercel AI SDK: `experimental_generateVideo` with `liveportrait.video()`.
 *
 *   npm install dashscope-liveportrait ai
 *   DASHSCOPE_API_KEY=sk-... npx tsx examples/ai-sdk.ts [imageUrl] [audioUrl]
 *
 * The README's AI SDK snippet is the region below, and test/examples/ai-sdk.test.ts runs it against the
 * emulator, so neither can rot.
 */

// biome-ignore assist/source/organizeImports: the README's snippet below starts with its own imports
import { pathToFileURL } from 'node:url';
import { LivePortraitError } from 'dashscope-liveportrait';
import { SAMPLE_AUDIO, SAMPLE_IMAGE } from './quickstart.js';

// #region README
import { writeFile } from 'node:fs/promises';
import { experimental_generateVideo as generateVideo } from 'ai';
import { type LivePortraitVideoOptions, liveportrait } from 'dashscope-liveportrait/ai-sdk';

type Download = Parameters<typeof generateVideo>[0]['download'];

/** `download` is for the emulator only: DashScope's video links are public, the AI SDK's default fetches them. */
export async function talkingPortrait(
  imageUrl: string,
  audioUrl: string,
  outPath: string,
  download?: Download,
) {
  const { video, warnings, providerMetadata } = await generateVideo({
    model: liveportrait.video(), // reads DASHSCOPE_API_KEY (and DASHSCOPE_HTTP_BASE_URL) at the first call
    prompt: { image: imageUrl }, // a URL, or the image's bytes (uploaded to temporary storage)
    fps: 25, // LivePortrait's videoFps: 15–30
    providerOptions: {
      // The voice is required; then the model's parameters, and the image check before a billed job.
      liveportrait: { audioUrl, templateId: 'calm', detect: true } satisfies LivePortraitVideoOptions,
    },
    download,
  });
  for (const warning of warnings) console.warn('warning:', warning); // options LivePortrait cannot honour
  await writeFile(outPath, video.uint8Array);
  const { taskId, videoDuration } = providerMetadata.liveportrait ?? {};
  console.log(`saved ${outPath}: task ${taskId}, ${videoDuration} s of video`);
}
// #endregion

// Run when executed directly, not when imported by the test.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  talkingPortrait(process.argv[2] ?? SAMPLE_IMAGE, process.argv[3] ?? SAMPLE_AUDIO, 'talking-portrait.mp4')
    .catch((error: unknown) => {
      console.error(error instanceof LivePortraitError ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    })
    .finally(() => liveportrait.close());
}
