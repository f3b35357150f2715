/**
 * `npm run demo`: the quick start end to end against the bundled DashScope emulator (no key, no
 * network), or against the real service with `npm run demo -- --live` and DASHSCOPE_API_KEY set.
 * `--out DIR` chooses where the video is saved (default `./out`).
 */
import { parseArgs } from 'node:util';
import { startEmulator } from 'dashscope-liveportrait/testing';
import { quickstart } from './quickstart.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { live: { type: 'boolean' }, out: { type: 'string', default: 'out' } },
  });
  if (values.live) {
    if (!process.env.DASHSCOPE_API_KEY)
      throw new Error('--live needs DASHSCOPE_API_KEY (a China (Beijing) region key)');
    console.log('Running against the real DashScope service (billed per second of video).');
    await quickstart(undefined, undefined, values.out);
    return;
  }
  // A few seconds of queue and run time, so the progress is visible but the demo stays short.
  const emulator = await startEmulator({ queueMs: 1_500, runMs: 3_000 });
  const hint = process.env.DASHSCOPE_API_KEY
    ? 'DASHSCOPE_API_KEY is set: `npm run demo -- --live` uses the real service'
    : 'no key, no network; `npm run demo -- --live` with DASHSCOPE_API_KEY uses the real service';
  console.log(`DashScope emulator on ${emulator.baseURL} (${hint})\n`);
  process.env.DASHSCOPE_API_KEY = 'sk-demo';
  process.env.DASHSCOPE_HTTP_BASE_URL = emulator.baseURL;
  try {
    await quickstart(undefined, undefined, values.out);
  } finally {
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
