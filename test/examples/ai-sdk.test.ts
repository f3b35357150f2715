/**
 * examples/ai-sdk.ts (the README's AI SDK snippet) as written, against the emulator: the default `liveportrait` provider reads the
 * environment, and the video lands on disk. The one thing added is `download`, because the AI SDK's
 * default refuses the emulator's loopback links (DashScope's real links are public).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { talkingPortrait } from '../../examples/ai-sdk.js';
import { liveportrait } from '../../src/ai-sdk/index.js';
import { sampleVideo } from '../../src/testing/index.js';
import { loopbackDownload } from '../ai-sdk/helpers.js';
import { API_KEY, AUDIO, emulator, IMAGE } from '../helpers/setup.js';

afterEach(async () => {
  vi.unstubAllEnvs();
  await liveportrait.close();
});

describe('examples/ai-sdk.ts', () => {
  it('generates the video through experimental_generateVideo and saves it', async () => {
    const running = await emulator();
    vi.stubEnv('DASHSCOPE_API_KEY', API_KEY);
    vi.stubEnv('DASHSCOPE_HTTP_BASE_URL', running.baseURL);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn');
    const dir = await mkdtemp(join(tmpdir(), 'lp-ai-sdk-example-'));
    try {
      const out = join(dir, 'v.mp4');
      await talkingPortrait(IMAGE, AUDIO, out, loopbackDownload);
      expect(new Uint8Array(await readFile(out))).toEqual(sampleVideo());
      const [task] = running.tasks.all();
      expect(task?.parameters).toEqual({ template_id: 'calm', video_fps: 25 });
      expect(running.log.filter((entry) => entry.route === 'detect')).toHaveLength(1);
      expect(log).toHaveBeenCalledWith(expect.stringContaining(`task ${task?.id}`));
      expect(warn).not.toHaveBeenCalled();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
