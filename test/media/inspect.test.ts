/**
 * Every documented input limit, measured from real bytes, on both sides of its boundary. inspectMedia
 * measures and lists the limits broken in `report.issues` (it refuses only inputs it cannot read).
 * Local inputs need no network, so these run without a server; remote.test.ts covers the same through
 * URLs, and local-job.test.ts shows submit refusing the same files.
 */
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LIMITS, LivePortraitClient, type MediaInput, ValidationError } from '../../src/index.js';
import { sampleVideo } from '../../src/testing/index.js';
import { fixture, fixtureBytes, mp3WithBigTag, pngHeader, silentWav } from './helpers.js';

const client = new LivePortraitClient({ apiKey: 'sk-unused' });
const IMAGE = fixture('face.png');
const AUDIO = fixture('voice.wav');

/** The issues inspectMedia reports (or, for unreadable inputs, rejects with), as `path message` lines. */
async function issuesOf(imageUrl: MediaInput, audioUrl: MediaInput): Promise<string[]> {
  const outcome = await client.inspectMedia({ imageUrl, audioUrl }).catch((error: unknown) => {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  });
  return outcome.issues.map((issue) => `${issue.path} ${issue.message}`);
}

describe('image format comes from the bytes', () => {
  it.each([
    ['face-baseline.jpg', 'jpeg'],
    ['face-progressive.jpg', 'jpeg'],
    ['face.png', 'png'],
    ['face.bmp', 'bmp'],
    ['face.webp', 'webp'],
    ['really-a-png.jpg', 'png'],
  ])('%s is %s, 96×128', async (name, format) => {
    const report = await client.inspectMedia({ imageUrl: fixture(name), audioUrl: AUDIO });
    expect(report.image).toEqual({ format, bytes: fixtureBytes(name).length, width: 96, height: 128 });
  });

  it('refuses a GIF and bytes that are no image, naming the allowed formats', async () => {
    expect(await issuesOf(fixture('face.gif'), AUDIO)).toEqual([
      'image format is gif; allowed: JPEG, PNG, BMP, WebP',
    ]);
    expect(await issuesOf(Buffer.from('hello, not an image'), AUDIO)).toEqual([
      'image format is not an image format this SDK recognises; allowed: JPEG, PNG, BMP, WebP',
    ]);
  });
});

describe('image dimensions', () => {
  it('longest side: 4096 px passes, 4097 px fails', async () => {
    expect(await issuesOf(pngHeader(4096, 4096), AUDIO)).toEqual([]);
    expect(await issuesOf(pngHeader(4097, 4000), AUDIO)).toEqual([
      'image is 4097×4000 px; the longest side may be at most 4096 px',
    ]);
  });

  it('aspect ratio: 2.00 passes (both orientations), 2.01 fails', async () => {
    expect(await issuesOf(pngHeader(400, 200), AUDIO)).toEqual([]);
    expect(await issuesOf(pngHeader(200, 400), AUDIO)).toEqual([]);
    expect(await issuesOf(pngHeader(402, 200), AUDIO)).toEqual([
      'image aspect ratio is 2.01 (402×200 px); the limit is 2',
    ]);
    // Just over 2 must not print as 2.
    expect(await issuesOf(pngHeader(4001, 2000), AUDIO)).toEqual([
      'image aspect ratio is 2.001 (4001×2000 px); the limit is 2',
    ]);
  });
});

describe('file sizes', () => {
  it('image: one byte under the limit passes, the limit itself fails', async () => {
    const max = LIMITS.image.maxBytes;
    expect(await issuesOf(pngHeader(100, 100, max - 1), AUDIO)).toEqual([]);
    expect(await issuesOf(pngHeader(100, 100, max), AUDIO)).toEqual([
      'image file is 10 MiB (10485760 bytes); it must be under 10 MiB (10485760 bytes)',
    ]);
  });

  it('audio: one byte under the limit passes, the limit itself fails', async () => {
    const max = LIMITS.audio.maxBytes;
    // 8 kHz mono 8-bit is 8000 bytes/s: a limit-sized WAV at 88 kHz keeps the duration legal.
    const rate = 88_200;
    const under = silentWav((max - 1 - 44) / rate, rate);
    expect(under.length).toBe(max - 1);
    expect(await issuesOf(IMAGE, under)).toEqual([]);
    const at = silentWav((max - 44) / rate, rate);
    expect(await issuesOf(IMAGE, at)).toEqual([
      'audio file is 15 MiB (15728640 bytes); it must be under 15 MiB (15728640 bytes)',
    ]);
  });
});

describe('audio duration', () => {
  it.each([
    [0.9, ['audio is 0.9 s; the minimum is 1 s']],
    [1, []],
    [180, []],
    [181, ['audio is 3 min 1 s; the limit is 3 min']],
    [192, ['audio is 3 min 12 s; the limit is 3 min']],
  ])('a WAV of %s s', async (seconds, expected) => {
    expect(await issuesOf(IMAGE, silentWav(seconds))).toEqual(expected);
  });

  it('reports WAV, CBR and VBR MP3 durations from their headers', async () => {
    const wav = await client.inspectMedia({ imageUrl: IMAGE, audioUrl: AUDIO });
    expect(wav.audio).toEqual({ format: 'wav', bytes: 16078, durationSec: 2 });
    // 2 s of tone; MP3 encoders pad to whole frames, hence 2.16 s.
    for (const name of ['voice-cbr.mp3', 'voice-vbr.mp3', 'really-an-mp3.wav']) {
      const report = await client.inspectMedia({ imageUrl: IMAGE, audioUrl: fixture(name) });
      expect(report.audio.format).toBe('mp3');
      expect(report.audio.durationSec).toBeCloseTo(2.16, 1);
    }
  });

  it('finds the frames behind a 300 KB ID3v2 tag (cover art)', async () => {
    const report = await client.inspectMedia({
      imageUrl: IMAGE,
      audioUrl: mp3WithBigTag('voice-cbr.mp3', 300_000),
    });
    expect(report.audio).toMatchObject({ format: 'mp3', durationSec: expect.closeTo(2.16, 1) });
  });

  it('refuses FLAC and non-audio bytes', async () => {
    expect(await issuesOf(IMAGE, fixture('voice.flac'))).toEqual(['audio format is flac; allowed: WAV, MP3']);
    expect(await issuesOf(IMAGE, new Uint8Array(5000))).toEqual([
      'audio format is not an audio format this SDK recognises; allowed: WAV, MP3',
    ]);
  });
});

describe('local inputs of every kind', () => {
  it('accepts a path, a file:// URL string and URL, a Buffer, a Uint8Array and a Blob', async () => {
    const bytes = fixtureBytes('face.webp');
    const inputs: MediaInput[] = [
      fixture('face.webp'),
      pathToFileURL(fixture('face.webp')).href,
      pathToFileURL(fixture('face.webp')),
      bytes,
      new Uint8Array(bytes),
      new Blob([bytes]),
    ];
    for (const input of inputs) {
      const report = await client.inspectMedia({ imageUrl: input, audioUrl: AUDIO });
      expect(report.image.format).toBe('webp');
    }
  });

  it('lists every problem of both files in one error', async () => {
    expect(await issuesOf(pngHeader(5000, 1000), silentWav(0.5))).toEqual([
      'image is 5000×1000 px; the longest side may be at most 4096 px',
      'image aspect ratio is 5 (5000×1000 px); the limit is 2',
      'audio is 0.5 s; the minimum is 1 s',
    ]);
  });

  it('a missing file, a directory and a foreign URL scheme are validation errors', async () => {
    expect(await issuesOf('./no-such-face.png', 'ftp://example.com/voice.mp3')).toEqual([
      'imageUrl cannot be read from "./no-such-face.png": no such file',
      'audioUrl must be an http:, https: or oss: URL, a file: URL or a local path; got "ftp://example.com/voice.mp3"',
    ]);
    expect(await issuesOf(fixture(''), AUDIO)).toEqual([
      expect.stringContaining('imageUrl cannot be read from'),
    ]);
  });
});

describe('inspectMedia measures, it does not refuse', () => {
  it('reports the figures of media beyond every limit, and lists the limits broken', async () => {
    const report = await client.inspectMedia({ imageUrl: pngHeader(5000, 1000), audioUrl: silentWav(200) });
    expect(report.image).toEqual({ format: 'png', bytes: 64, width: 5000, height: 1000 });
    expect(report.audio).toEqual({ format: 'wav', bytes: 44 + 200 * 8000, durationSec: 200 });
    expect(report.issues).toEqual([
      { path: 'image', message: 'is 5000×1000 px; the longest side may be at most 4096 px' },
      { path: 'image', message: 'aspect ratio is 5 (5000×1000 px); the limit is 2' },
      { path: 'audio', message: 'is 3 min 20 s; the limit is 3 min' },
    ]);
  });

  it('reports a file over the size limit with its figures', async () => {
    const big = pngHeader(800, 600, LIMITS.image.maxBytes + 1);
    const report = await client.inspectMedia({ imageUrl: big, audioUrl: AUDIO });
    expect(report.image).toEqual({
      format: 'png',
      bytes: LIMITS.image.maxBytes + 1,
      width: 800,
      height: 600,
    });
    expect(report.issues.map((issue) => issue.path)).toEqual(['image']);
  });

  it('an empty issue list when both files are fine', async () => {
    expect((await client.inspectMedia({ imageUrl: IMAGE, audioUrl: AUDIO })).issues).toEqual([]);
  });

  it('a missing file does not hide the other file’s problems: both are in the error', async () => {
    const error = await client
      .inspectMedia({ imageUrl: './no-such-face.png', audioUrl: silentWav(200) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'imageUrl', message: 'cannot be read from "./no-such-face.png": no such file' },
      { path: 'audio', message: 'is 3 min 20 s; the limit is 3 min' },
    ]);
  });
});

describe('a format error names the format the bytes are', () => {
  it.each([
    ['the image given as audio', IMAGE, fixture('face.png'), 'audio format is png; allowed: WAV, MP3'],
    ['the audio given as image', AUDIO, AUDIO, 'image format is wav; allowed: JPEG, PNG, BMP, WebP'],
    [
      'an MP3 as image',
      fixture('voice-cbr.mp3'),
      AUDIO,
      'image format is mp3; allowed: JPEG, PNG, BMP, WebP',
    ],
    ['a video as image', sampleVideo(), AUDIO, 'image format is mp4; allowed: JPEG, PNG, BMP, WebP'],
    ['a video as audio', IMAGE, sampleVideo(), 'audio format is mp4; allowed: WAV, MP3'],
    [
      'an HTML page as image',
      Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>'),
      AUDIO,
      'image format is html; allowed: JPEG, PNG, BMP, WebP',
    ],
  ])('%s', async (_name, imageUrl, audioUrl, expected) => {
    expect(await issuesOf(imageUrl, audioUrl)).toContain(expected);
  });
});
