/**
 * A local-file job end to end against the emulator on a loopback port: check the bytes, upload both
 * files to the emulated temporary storage, submit with oss:// URLs, wait, download the video.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { sampleVideo, uploadsOf } from '../../src/testing/index.js';
import { clientFor, emulator, recordingDispatcher } from '../helpers/setup.js';
import { fixture, fixtureBytes, silentWav } from './helpers.js';

describe('generateVideo with local files', () => {
  it('uploads a path and a Buffer, submits oss:// URLs and saves the video', async () => {
    const running = await emulator();
    const { dispatcher, sent } = recordingDispatcher();
    const client = clientFor(running, { dispatcher });
    const dir = await mkdtemp(join(tmpdir(), 'lp-media-'));
    const output = join(dir, 'video.mp4');

    const result = await client.generateVideo(fixture('really-a-png.jpg'), fixtureBytes('voice-cbr.mp3'), {
      output,
    });

    expect(result.outputPath).toBe(output);
    expect(new Uint8Array(await readFile(output))).toEqual(sampleVideo());
    expect(await readdir(dir)).toEqual(['video.mp4']);
    const task = running.tasks.get(result.taskId);
    expect(task?.imageUrl).toMatch(/^oss:\/\/dashscope-instant\/.+-really-a-png\.png$/);
    expect(task?.audioUrl).toMatch(/^oss:\/\/.+-media\.mp3$/);
    const stored = uploadsOf(running.emulator).all();
    expect(stored.map((file) => file.contentType).sort()).toEqual(['audio/mpeg', 'image/png']);
    expect(stored.find((file) => file.contentType === 'audio/mpeg')?.bytes).toEqual(
      new Uint8Array(fixtureBytes('voice-cbr.mp3')),
    );
    // One policy serves both files.
    expect(running.log.filter((entry) => entry.route === 'getPolicy')).toHaveLength(1);
    // The key goes to DashScope only: never to the storage host or the video host.
    expect(sent.filter((request) => request.path === '/oss-upload')).toHaveLength(2);
    expect(sent.some((request) => request.path.startsWith('/results/'))).toBe(true);
    for (const request of sent) {
      const toApi = request.path.startsWith('/api/v1/');
      expect(request.headers.authorization !== undefined).toBe(toApi);
    }
    const submit = sent.find((request) => request.path.endsWith('/video-synthesis/'));
    expect(submit?.headers['x-dashscope-ossresourceresolve']).toBe('enable');
  });

  it('checks local files before uploading anything', async () => {
    const running = await emulator();
    const client = clientFor(running);
    const error = await client.generateVideo(fixture('face.png'), silentWav(181)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain('audio is 3 min 1 s; the limit is 3 min');
    expect(running.stats.requests).toBe(0);
  });

  it('a missing file does not hide the other file’s problems, nor bad parameters', async () => {
    const running = await emulator();
    const client = clientFor(running);
    const error = await client
      .submit({ imageUrl: './no-such-face.png', audioUrl: silentWav(200), videoFps: 99 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      'videoFps must be an integer from 15 to 30 (inclusive); got 99',
      'imageUrl cannot be read from "./no-such-face.png": no such file',
      'audio is 3 min 20 s; the limit is 3 min',
    ]);
    expect(running.stats.requests).toBe(0);
  });

  it('detectImage accepts a local image', async () => {
    const running = await emulator();
    const client = clientFor(running);
    const check = await client.detectImage(fixture('face-baseline.jpg'));
    expect(check.pass).toBe(true);
  });

  it('fetches a new policy when the cached one expired', async () => {
    let skew = 0;
    const running = await emulator({ now: () => Date.now() + skew });
    const client = clientFor(running);
    await client.submit({ imageUrl: fixture('face.png'), audioUrl: fixture('voice.wav') });
    skew += 10 * 60 * 1000;
    // The client's cache uses the real clock; the emulator's policy expired: the 403 triggers a refetch.
    await client.submit({ imageUrl: fixture('face.png'), audioUrl: fixture('voice.wav') });
    expect(running.log.filter((entry) => entry.route === 'getPolicy')).toHaveLength(2);
  });

  it('retries an upload the storage host answered with 503 or dropped, under a fresh key', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'ossUpload', kind: 'status', status: 503 });
    running.faults.next(1, { route: 'ossUpload', kind: 'reset-before-body' });
    const client = clientFor(running);
    const job = await client.submit({ imageUrl: fixture('face.bmp'), audioUrl: fixture('voice.wav') });
    expect(running.tasks.get(job.taskId)).toBeDefined();
    expect(running.log.filter((entry) => entry.route === 'ossUpload')).toHaveLength(4);
    expect(uploadsOf(running.emulator).all()).toHaveLength(2);
  });

  it('an oss:// URL that was never uploaded is refused by the emulator', async () => {
    const running = await emulator();
    const client = clientFor(running);
    await expect(
      client.submit({ imageUrl: 'oss://dashscope-instant/nope/face.png', audioUrl: fixture('voice.wav') }),
    ).rejects.toMatchObject({ code: 'InvalidURL' });
  });
});
