/**
 * LivePortrait through the Vercel AI SDK: `experimental_generateVideo` with `liveportrait.video()`.
 *
 *   npm install dashscope-liveportrait ai
 *   DASHSCOPE_API_KEY=sk-... npx tsx examples/ai-sdk.ts [imageUrl] [audioUrl]
 *
 * The portrait is the standard `prompt.image`; the voice and LivePortrait's own parameters go in
 * `providerOptions.liveportrait`. test/examples/ai-sdk.test.ts runs this file against the emulator.
 */
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { experimental_generateVideo as generateVideo } from 'ai';
import { LivePortraitError } from 'dashscope-liveportrait';
import { type LivePortraitVideoOptions, liveportrait } from 'dashscope-liveportrait/ai-sdk';
import { SAMPLE_AUDIO, SAMPLE_IMAGE } from './quickstart.js';

/** How the AI SDK fetches the finished video. Its default suits DashScope's public links. */
type Download = Parameters<typeof generateVideo>[0]['download'];

export async function talkingPortrait(
  imageUrl = SAMPLE_IMAGE,
  audioUrl = SAMPLE_AUDIO,
  outPath = 'talking-portrait.mp4',
  download?: Download,
): Promise<string> {
  const options: LivePortraitVideoOptions = {
    audioUrl, // required: the voice the portrait speaks
    templateId: 'calm',
    detect: true, // reject a portrait without a usable face before paying for a job
  };
  const { video, warnings, providerMetadata } = await generateVideo({
    model: liveportrait.video(), // reads DASHSCOPE_API_KEY (and DASHSCOPE_HTTP_BASE_URL) on first use
    prompt: { image: imageUrl },
    fps: 25, // the standard option maps to LivePortrait's videoFps (15–30)
    providerOptions: { liveportrait: options },
    ...(download ? { download } : {}),
  });
  for (const warning of warnings) console.warn('warning:', warning);
  await writeFile(outPath, video.uint8Array);
  const { taskId, videoDuration } = providerMetadata.liveportrait ?? {};
  console.log(`saved ${outPath}: task ${taskId}, ${videoDuration} s of video`);
  return outPath;
}

// Run when executed directly, not when imported by the test.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  talkingPortrait(process.argv[2], process.argv[3])
    .catch((error: unknown) => {
      console.error(error instanceof LivePortraitError ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    })
    .finally(() => liveportrait.close());
}
