/** Result videos: served from the emulator with Range support, 403 (OSS XML) once the URL expires. */
import { describe, expect, it } from 'vitest';
import { sampleVideo } from '../../src/testing/index.js';
import { parseRange } from '../../src/testing/results.js';
import { harness } from './helpers.js';

async function finishedTask(options: Parameters<typeof harness>[0] = {}) {
  const h = await harness({ queueMs: 1000, runMs: 1000, ...options });
  const taskId = await h.submit();
  h.clock.advance(2000);
  const videoUrl: string = (await h.call('GET', `/tasks/${taskId}`)).json.output.results.video_url;
  return { ...h, taskId, videoUrl };
}

describe('result video', () => {
  it('serves the sample MP4 (a real ftyp box) with its length, type and Accept-Ranges', async () => {
    const { call, videoUrl } = await finishedTask();
    const answer = await call('GET', videoUrl, { key: null });
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': String(sampleVideo().length),
    });
    expect(answer.bytes).toEqual(sampleVideo());
    expect(new TextDecoder().decode(answer.bytes.slice(4, 8))).toBe('ftyp');
    expect(sampleVideo().length).toBeLessThan(100 * 1024);
  });

  it('answers Range requests with 206 and Content-Range, and 416 outside the file', async () => {
    const { call, videoUrl } = await finishedTask();
    const size = sampleVideo().length;
    const middle = await call('GET', videoUrl, { headers: { range: 'bytes=100-199' } });
    expect([middle.status, middle.headers['content-range'], middle.headers['content-length']]).toEqual([
      206,
      `bytes 100-199/${size}`,
      '100',
    ]);
    expect(middle.bytes).toEqual(sampleVideo().slice(100, 200));
    const rest = await call('GET', videoUrl, { headers: { range: `bytes=${size - 10}-` } });
    expect(rest.bytes).toEqual(sampleVideo().slice(size - 10));
    const tail = await call('GET', videoUrl, { headers: { range: 'bytes=-5' } });
    expect(tail.headers['content-range']).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    const outside = await call('GET', videoUrl, { headers: { range: `bytes=${size}-` } });
    expect([outside.status, outside.headers['content-range']]).toEqual([416, `bytes */${size}`]);
  });

  it('answers HEAD with the headers only', async () => {
    const { call, videoUrl } = await finishedTask();
    const answer = await call('HEAD', videoUrl);
    expect([answer.status, answer.headers['content-length'], answer.bytes.length]).toEqual([
      200,
      String(sampleVideo().length),
      0,
    ]);
  });

  it('expires like a signed OSS URL: 403 AccessDenied XML after its Expires', async () => {
    const { call, clock, videoUrl } = await finishedTask({ resultUrlTtlMs: 60_000 });
    clock.advance(60_000);
    expect((await call('GET', videoUrl)).status).toBe(200);
    clock.advance(1000);
    const expired = await call('GET', videoUrl);
    expect(expired.status).toBe(403);
    expect(expired.headers['content-type']).toBe('application/xml');
    expect(expired.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>/);
    expect(expired.text).toContain('<Code>AccessDenied</Code>');
    expect(expired.text).toContain('<Message>Request has expired.</Message>');
  });

  it('rejects an edited Expires (403 SignatureDoesNotMatch) and unknown or unfinished tasks (404)', async () => {
    const { call, submit, videoUrl, emu } = await finishedTask();
    const edited = new URL(videoUrl);
    edited.searchParams.set('Expires', String(Number(edited.searchParams.get('Expires')) + 3600));
    expect((await call('GET', edited.href)).text).toContain('<Code>SignatureDoesNotMatch</Code>');
    const pending = await submit();
    const notYet = await call('GET', `${emu.url}/results/${pending}.mp4?Expires=1&Signature=x`);
    expect([notYet.status, notYet.text.includes('<Code>NoSuchKey</Code>')]).toEqual([404, true]);
  });
});

describe('parseRange', () => {
  it.each([
    [null, undefined],
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=5-', { start: 5, end: 99 }],
    ['bytes=90-200', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=9-3', undefined],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
  ])('%s of 100 bytes → %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});
