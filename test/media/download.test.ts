/**
 * Downloads are atomic: the destination path holds either the whole video or nothing, whatever
 * happens mid-stream (abort, connection reset, expired link).
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  LivePortraitClient,
  MediaUnreachableError,
  ResultExpiredError,
} from '../../src/index.js';
import { sampleVideo } from '../../src/testing/index.js';
import { API_KEY, clientFor, emulator, IMAGE } from '../helpers/setup.js';
import { fileServer } from './helpers.js';

const VIDEO = new Uint8Array(256 * 1024).map((_, i) => i % 251);

async function emptyDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lp-download-'));
}

describe('downloadVideo', () => {
  it('streams to the path, reporting progress up to the total', async () => {
    const files = await fileServer();
    files.serve('/v.mp4', VIDEO);
    const client = new LivePortraitClient({ apiKey: API_KEY });
    const dir = await emptyDir();
    const progress: { bytes: number; total: number | undefined }[] = [];
    const saved = await client.downloadVideo(`${files.url}/v.mp4?Expires=1&Signature=s`, join(dir, 'v.mp4'), {
      onProgress: (p) => progress.push(p),
    });
    expect(saved).toEqual({ path: join(dir, 'v.mp4'), bytes: VIDEO.length });
    expect(new Uint8Array(await readFile(saved.path))).toEqual(VIDEO);
    expect(progress.at(-1)).toEqual({ bytes: VIDEO.length, total: VIDEO.length });
    expect(files.requests[0]?.headers.authorization).toBeUndefined();
    await client.close();
  });

  it('an abort mid-stream leaves nothing behind', async () => {
    const files = await fileServer();
    files.serve('/v.mp4', VIDEO, { stallAfter: 64 * 1024 });
    const client = new LivePortraitClient({ apiKey: API_KEY });
    const dir = await emptyDir();
    const controller = new AbortController();
    const error = await client
      .downloadVideo(`${files.url}/v.mp4`, join(dir, 'v.mp4'), {
        signal: controller.signal,
        onProgress: ({ bytes }) => {
          if (bytes >= 64 * 1024) controller.abort(new Error('user stop'));
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await readdir(dir)).toEqual([]);
    await client.close();
  });

  it('a socket reset mid-body is retried from the start', async () => {
    const files = await fileServer();
    files.serve('/v.mp4', VIDEO, { resetAfter: { bytes: 100_000, times: 1 } });
    const client = new LivePortraitClient({ apiKey: API_KEY, maxRetryDelay: 5 });
    const dir = await emptyDir();
    const saved = await client.downloadVideo(`${files.url}/v.mp4`, join(dir, 'v.mp4'));
    expect(new Uint8Array(await readFile(saved.path))).toEqual(VIDEO);
    expect(files.requests).toHaveLength(2);
    expect(await readdir(dir)).toEqual(['v.mp4']);
    await client.close();
  });

  it('a reset with no retries left fails and leaves nothing at the destination', async () => {
    const files = await fileServer();
    files.serve('/v.mp4', VIDEO, { resetAfter: { bytes: 100_000, times: 5 } });
    const client = new LivePortraitClient({ apiKey: API_KEY, maxRetries: 1, maxRetryDelay: 5 });
    const dir = await emptyDir();
    const error = await client
      .downloadVideo(`${files.url}/v.mp4`, join(dir, 'v.mp4'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaUnreachableError);
    expect(await readdir(dir)).toEqual([]);
    await client.close();
  });

  it('an expired link is a ResultExpiredError that says links live 24 hours', async () => {
    let skew = 0;
    const running = await emulator({ now: () => Date.now() + skew, resultUrlTtlMs: 60_000 });
    const client = clientFor(running);
    const result = await client.generateVideo(IMAGE, 'https://example.com/voice.mp3');
    skew += 61_000;
    const dir = await emptyDir();
    const error = (await client
      .downloadVideo(result, join(dir, 'v.mp4'))
      .catch((e: unknown) => e)) as ResultExpiredError;
    expect(error).toBeInstanceOf(ResultExpiredError);
    expect(error.status).toBe(403);
    expect(error.message).toContain('24 hours');
    expect(error.url).not.toContain('Signature');
    expect(await readdir(dir)).toEqual([]);
  });

  it('generateVideo({ output }) downloads the emulator result', async () => {
    const running = await emulator();
    const client = clientFor(running);
    const dir = await emptyDir();
    const result = await client.generateVideo(IMAGE, 'https://example.com/voice.mp3', {
      output: join(dir, 'out.mp4'),
    });
    expect(new Uint8Array(await readFile(join(dir, 'out.mp4')))).toEqual(sampleVideo());
    expect(result.outputPath).toBe(join(dir, 'out.mp4'));
  });
});
