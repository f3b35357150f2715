/**
 * Saving the video: a directory that is missing or not writable rejects with `SaveFailedError`, which
 * keeps what a billed job must not lose (task id, video URL, cause) and says how to download again;
 * a finished download is synced to disk before its rename and its directory after, as atomic writers do.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  LivePortraitClient,
  LivePortraitError,
  MediaUnreachableError,
  ResultExpiredError,
  SaveFailedError,
} from '../../src/index.js';
import { systemSleep } from '../../src/internal/time.js';
import { type DownloadFiles, downloadToFile, nodeFiles } from '../../src/media/download.js';
import { API_KEY, clientFor, emulator, IMAGE } from '../helpers/setup.js';
import { fileServer } from './helpers.js';

const VIDEO = new Uint8Array(64 * 1024).map((_, i) => i % 251);
const emptyDir = () => mkdtemp(join(tmpdir(), 'lp-save-'));

/** A whole job of `client` on `running` saved to `output`: what it rejected with, and the task it made. */
async function generateInto(
  running: Awaited<ReturnType<typeof emulator>>,
  client: LivePortraitClient,
  output: string,
) {
  const error = (await client
    .generateVideo(IMAGE, 'https://example.com/voice.mp3', { output })
    .catch((e: unknown) => e)) as SaveFailedError;
  return { error, task: running.tasks.all()[0] };
}

/** A loopback file server with {@link VIDEO} at `/v.mp4`. */
async function videoServer() {
  const server = await fileServer();
  server.serve('/v.mp4', VIDEO);
  return server;
}

describe('SaveFailedError', () => {
  it('downloadVideo(url) into a missing directory: typed, with the URL, the cause and how to retry', async () => {
    const files = await videoServer();
    const client = new LivePortraitClient({ apiKey: API_KEY });
    const dest = join(await emptyDir(), 'missing-dir', 'x.mp4');
    const url = `${files.url}/v.mp4?Expires=1&Signature=s`;
    const error = (await client.downloadVideo(url, dest).catch((e: unknown) => e)) as SaveFailedError;
    await client.close();
    expect(error).toBeInstanceOf(SaveFailedError);
    expect(error).toBeInstanceOf(LivePortraitError);
    expect(error.name).toBe('SaveFailedError');
    expect(error.videoUrl).toBe(url);
    expect(error.taskId).toBeUndefined();
    expect(error.path).toBe(dest);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(error.message).toContain(`the directory ${dirname(dest)} does not exist`);
    expect(error.message).toContain('client.downloadVideo(error.videoUrl, path)');
  });

  it('generateVideo({ output }) into a missing directory keeps the task id and the URL', async () => {
    const running = await emulator();
    const client = clientFor(running);
    const output = join(await emptyDir(), 'missing-dir', 'x.mp4');
    const { error, task } = await generateInto(running, client, output);
    expect(error).toBeInstanceOf(SaveFailedError);
    expect(error.taskId).toBe(task?.id);
    expect(error.videoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results\//);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toContain(`liveportrait wait ${task?.id} --out PATH`);
    expect(error.message).toContain('client.downloadVideo(error.videoUrl, path)');
    // The URL it keeps does download the video.
    const again = join(await emptyDir(), 'again.mp4');
    await client.downloadVideo(error.videoUrl, again);
    expect(existsSync(again)).toBe(true);
  });

  it('a directory that cannot be written into (a file in its path) is a SaveFailedError too', async () => {
    const files = await videoServer();
    const client = new LivePortraitClient({ apiKey: API_KEY });
    const dir = await emptyDir();
    // Not chmod: tests may run as root, who writes anywhere; a file where a directory should be stops root too.
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const error = await client
      .downloadVideo({ videoUrl: `${files.url}/v.mp4`, taskId: 't-9' }, join(dir, 'not-a-dir', 'x.mp4'))
      .catch((e: unknown) => e);
    await client.close();
    expect(error).toBeInstanceOf(SaveFailedError);
    expect((error as SaveFailedError).taskId).toBe('t-9');
    expect(await readdir(dir)).toEqual(['not-a-dir']);
  });
});

describe('durability: fsync before and after the rename', () => {
  /** Downloads from a loopback file server straight through `downloadToFile`, with `files` injected. */
  async function download(files: DownloadFiles, dest: string) {
    const server = await videoServer();
    const dispatcher = new Agent();
    const media = {
      dispatcher,
      timeout: 10_000,
      maxRetries: 0,
      maxRetryDelay: 1,
      sleep: systemSleep,
      random: Math.random,
    };
    try {
      return await downloadToFile(media, { url: `${server.url}/v.mp4`, taskId: 't-1' }, dest, {}, files);
    } finally {
      await dispatcher.close();
    }
  }

  /** The real file system, each step logged first; `overrides` replace a step's real work. */
  function recording(overrides: Partial<DownloadFiles> = {}) {
    const calls: string[] = [];
    const real = { ...nodeFiles, ...overrides };
    const logged = <T>(call: string, run: () => T): T => {
      calls.push(call);
      return run();
    };
    const files: DownloadFiles = {
      createWriteStream: (path) => logged(`write ${path}`, () => real.createWriteStream(path)),
      syncFile: (path) => logged(`syncFile ${path}`, () => real.syncFile(path)),
      rename: (from, to) => logged(`rename ${from} -> ${to}`, () => real.rename(from, to)),
      syncDir: (dir) => logged(`syncDir ${dir}`, () => real.syncDir(dir)),
      remove: (path) => logged(`remove ${path}`, () => real.remove(path)),
    };
    return { calls, files };
  }

  it('writes the temporary file, syncs it, renames it into place, then syncs the directory', async () => {
    const dir = await emptyDir();
    const dest = join(dir, 'v.mp4');
    const { calls, files } = recording();
    const saved = await download(files, dest);
    expect(new Uint8Array(await readFile(saved.path))).toEqual(VIDEO);
    const temp = calls[0]?.replace(/^write /, '') ?? '';
    expect(dirname(temp)).toBe(dir);
    expect(calls).toEqual([
      `write ${temp}`,
      `syncFile ${temp}`,
      `rename ${temp} -> ${dest}`,
      `syncDir ${dir}`,
    ]);
  });

  it('a failed sync is a SaveFailedError and leaves nothing behind', async () => {
    const dir = await emptyDir();
    const dest = join(dir, 'v.mp4');
    const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', syscall: 'fsync' });
    const { calls, files } = recording({ syncFile: () => Promise.reject(eio) });
    const error = await download(files, dest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaveFailedError);
    expect((error as SaveFailedError).cause).toBe(eio);
    expect(calls.some((call) => call.startsWith('rename'))).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('generateVideo({ output }) when the download itself fails', () => {
  it('a network or server failure after the job succeeded is a SaveFailedError with the task id and URL', async () => {
    const running = await emulator();
    const client = clientFor(running, { maxRetries: 0 });
    running.faults.next(1, { kind: 'status', status: 500, route: 'result' });
    const output = join(await emptyDir(), 'x.mp4');
    const { error, task } = await generateInto(running, client, output);
    expect(error).toBeInstanceOf(SaveFailedError);
    expect(error.taskId).toBe(task?.id);
    expect(error.path).toBe(output);
    expect(error.cause).toBeInstanceOf(MediaUnreachableError);
    expect(error.message).toContain(`liveportrait wait ${task?.id} --out PATH`);
    // The URL it keeps downloads the video once the fault has passed.
    await client.downloadVideo(error.videoUrl, output);
    expect(existsSync(output)).toBe(true);
  });

  it('an expired link stays a ResultExpiredError (downloading again cannot help)', () => {
    const expired = new ResultExpiredError({ url: 'https://example.com/v.mp4', status: 403 });
    expect(SaveFailedError.of(expired, { path: '/x.mp4', videoUrl: 'u', taskId: 't' })).toBe(expired);
  });
});
