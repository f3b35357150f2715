/**
 * `await using client = new LivePortraitClient()` closes the client at the end of the scope, and
 * `generateVideo()`'s result type says whether `outputPath` is there. The `expectTypeOf` lines are
 * checked by `tsc` (npm run typecheck), which fails when a type drifts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AbortError,
  ConnectionError,
  type generateVideo,
  LivePortraitClient,
  type SavedVideoResult,
  type VideoResult,
} from '../../src/index.js';
import { API_KEY, AUDIO, emulator, FAST_POLLS, IMAGE } from '../helpers/setup.js';

describe('Symbol.asyncDispose', () => {
  it('await using closes the client when the scope ends: open waits end, the pool is gone', async () => {
    // Tasks that stay queued for an hour: only the close can end the wait.
    const running = await emulator({ queueMs: 3_600_000 });
    let waiting: Promise<unknown> = Promise.resolve();
    let escaped: LivePortraitClient | undefined;
    {
      await using client = new LivePortraitClient({
        apiKey: API_KEY,
        baseURL: running.baseURL,
        pollSchedule: FAST_POLLS,
        maxRetries: 0,
      });
      escaped = client;
      const job = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
      waiting = client.waitForTask(job.taskId).catch((e: unknown) => e);
    }
    expect(await waiting).toBeInstanceOf(AbortError);
    await expect(escaped.getTask('t-1')).rejects.toBeInstanceOf(ConnectionError);
  });

  it('is the same as close(), and safe after it', async () => {
    const running = await emulator();
    const client = new LivePortraitClient({ apiKey: API_KEY, baseURL: running.baseURL, maxRetries: 0 });
    expectTypeOf(client).toExtend<AsyncDisposable>();
    await client.close();
    await expect(client[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });
});

describe('the type of outputPath', () => {
  it('is string when output was given, string | undefined otherwise', () => {
    const client = new LivePortraitClient({ apiKey: API_KEY, baseURL: 'http://127.0.0.1:9/api/v1' });
    type Saved = Awaited<ReturnType<typeof saveWith>>;
    const saveWith = () => client.generateVideo(IMAGE, AUDIO, { output: 'out.mp4', videoFps: 25 });
    const plain = () => client.generateVideo(IMAGE, AUDIO, { videoFps: 25 });
    const none = () => client.generateVideo(IMAGE, AUDIO);
    expectTypeOf<Saved>().toEqualTypeOf<SavedVideoResult>();
    expectTypeOf<Saved['outputPath']>().toEqualTypeOf<string>();
    expectTypeOf<Awaited<ReturnType<typeof plain>>['outputPath']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Awaited<ReturnType<typeof none>>>().toEqualTypeOf<VideoResult>();
    // An output that may be undefined promises nothing.
    const maybe = (output: string | undefined) => client.generateVideo(IMAGE, AUDIO, { output });
    expectTypeOf<Awaited<ReturnType<typeof maybe>>['outputPath']>().toEqualTypeOf<string | undefined>();

    // The module-level function has the same overloads.
    type Module = typeof generateVideo;
    const moduleSave = (m: Module) => m(IMAGE, AUDIO, { output: 'out.mp4' });
    expectTypeOf<Awaited<ReturnType<typeof moduleSave>>['outputPath']>().toEqualTypeOf<string>();
    const moduleNone = (m: Module) => m(IMAGE, AUDIO);
    expectTypeOf<Awaited<ReturnType<typeof moduleNone>>['outputPath']>().toEqualTypeOf<string | undefined>();
    return client.close();
  });
});
