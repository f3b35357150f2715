/**
 * Preflight of remote URLs through a real loopback server: only the first bytes are read, the API key
 * never leaves for a media host, and an unreachable URL fails before any job exists.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, LivePortraitClient, MediaUnreachableError, ValidationError } from '../../src/index.js';
import { API_KEY, clientFor, emulator } from '../helpers/setup.js';
import { fileServer, fixtureBytes, pngHeader, silentWav } from './helpers.js';

describe('inspectMedia on URLs', () => {
  it('reads a 10 MB image and a 3 min WAV with two small ranged GETs each at most', async () => {
    const files = await fileServer();
    files.serve('/big.png', pngHeader(2000, 1500, 9 * 1024 * 1024));
    files.serve('/long.wav', silentWav(179, 44_100));
    const client = new LivePortraitClient({ apiKey: API_KEY });
    const report = await client.inspectMedia({
      imageUrl: `${files.url}/big.png`,
      audioUrl: `${files.url}/long.wav`,
    });
    expect(report).toEqual({
      image: { format: 'png', bytes: 9 * 1024 * 1024, width: 2000, height: 1500 },
      audio: { format: 'wav', bytes: 44 + 179 * 44_100, durationSec: 179 },
      issues: [],
    });
    expect(files.bytesSent).toBeLessThanOrEqual(2 * 64 * 1024);
    expect(files.requests.every((request) => request.headers.range === 'bytes=0-65535')).toBe(true);
    await client.close();
  });

  it('stops reading early from a server that ignores Range', async () => {
    const files = await fileServer();
    files.serve('/face.jpg', fixtureBytes('face-progressive.jpg'), { ignoreRange: true });
    files.serve('/voice.mp3', fixtureBytes('voice-vbr.mp3'), { ignoreRange: true });
    const client = new LivePortraitClient({ apiKey: API_KEY });
    const report = await client.inspectMedia({
      imageUrl: `${files.url}/face.jpg`,
      audioUrl: `${files.url}/voice.mp3`,
    });
    expect(report.image.format).toBe('jpeg');
    expect(report.audio).toMatchObject({ format: 'mp3', bytes: fixtureBytes('voice-vbr.mp3').length });
    await client.close();
  });

  it('knows the size limit from Content-Range without downloading the file', async () => {
    const files = await fileServer();
    files.serve('/huge.wav', silentWav(60, 300_000)); // 18 MB, 60 s
    const client = new LivePortraitClient({ apiKey: API_KEY });
    const files2 = await fileServer();
    files2.serve('/face.png', fixtureBytes('face.png'));
    const sized = await client.inspectMedia({
      imageUrl: `${files2.url}/face.png`,
      audioUrl: `${files.url}/huge.wav`,
    });
    expect(sized.audio).toEqual({ format: 'wav', bytes: 44 + 60 * 300_000, durationSec: 60 });
    expect(sized.issues).toEqual([
      { path: 'audio', message: expect.stringMatching(/^file is 17\.17 MiB .*it must be under 15 MiB/) },
    ]);
    expect(files.bytesSent).toBeLessThan(LIMITS.audio.maxBytes / 10);
    await client.close();
  });

  it('an unreachable URL is a MediaUnreachableError with status and no query string', async () => {
    const files = await fileServer();
    files.serve('/gone.png', new Uint8Array(0), { status: 403 });
    files.serve('/voice.wav', fixtureBytes('voice.wav'));
    const client = new LivePortraitClient({ apiKey: API_KEY, maxRetries: 0 });
    const error = (await client
      .inspectMedia({
        imageUrl: `${files.url}/gone.png?Signature=secret`,
        audioUrl: `${files.url}/voice.wav`,
      })
      .catch((e: unknown) => e)) as MediaUnreachableError;
    expect(error).toBeInstanceOf(MediaUnreachableError);
    expect(error).toMatchObject({ url: `${files.url}/gone.png`, status: 403 });
    expect(JSON.stringify(error)).not.toContain('secret');
    expect(error.message).not.toContain('secret');

    const refused = (await client
      .inspectMedia({ imageUrl: 'http://127.0.0.1:1/face.png', audioUrl: `${files.url}/voice.wav` })
      .catch((e: unknown) => e)) as MediaUnreachableError;
    expect(refused).toBeInstanceOf(MediaUnreachableError);
    expect(refused.status).toBeUndefined();
    await client.close();
  });

  it('never sends the API key to media hosts, also across a redirect to another host', async () => {
    const origin = await fileServer();
    const other = await fileServer();
    other.serve('/face.png', fixtureBytes('face.png'));
    origin.serve('/face.png', new Uint8Array(0), { redirectTo: `${other.url}/face.png` });
    origin.serve('/voice.wav', fixtureBytes('voice.wav'));
    const client = new LivePortraitClient({ apiKey: API_KEY, defaultHeaders: { 'X-Secret': 'x' } });
    await client.inspectMedia({ imageUrl: `${origin.url}/face.png`, audioUrl: `${origin.url}/voice.wav` });
    const seen = [...origin.requests, ...other.requests];
    expect(other.requests).toHaveLength(1);
    for (const request of seen) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers['x-secret']).toBeUndefined();
    }
    await client.close();
  });
});

describe('preflight: true', () => {
  it('rejects a 3 min 12 s audio before any job exists', async () => {
    const running = await emulator();
    const files = await fileServer();
    files.serve('/face.png', fixtureBytes('face.png'));
    files.serve('/voice.wav', silentWav(192));
    const client = clientFor(running);
    const error = (await client
      .generateVideo(`${files.url}/face.png`, `${files.url}/voice.wav`, { preflight: true })
      .catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('audio is 3 min 12 s; the limit is 3 min');
    expect(running.stats.requests).toBe(0);
  });

  it('lets good media through to the job, and is off by default', async () => {
    const running = await emulator();
    const files = await fileServer();
    files.serve('/face.png', fixtureBytes('face.png'));
    files.serve('/voice.mp3', fixtureBytes('voice-cbr.mp3'));
    const client = clientFor(running);
    const job = await client.submit(
      { imageUrl: `${files.url}/face.png`, audioUrl: `${files.url}/voice.mp3` },
      { preflight: true },
    );
    expect(running.tasks.get(job.taskId)).toBeDefined();
    expect(files.requests).toHaveLength(2);
    await client.submit({ imageUrl: `${files.url}/face.png`, audioUrl: `${files.url}/voice.mp3` });
    expect(files.requests).toHaveLength(2);
  });
});
