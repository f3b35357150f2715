/**
 * The emulator's answers against the model document's own examples (test/fixtures/model-doc.ts, verbatim
 * from shared/dashscope/liveportrait-api.ja.txt), field for field: same keys, same JSON types, same formats.
 */
import { describe, expect, it } from 'vitest';
import {
  DOC_SUBMIT_REQUEST,
  DOC_SUBMIT_RESPONSE,
  DOC_TASK_FAILED,
  DOC_TASK_SUCCEEDED,
} from '../fixtures/model-doc.js';
import { AUDIO, harness, IMAGE, SUBMIT_PATH, TASK_TIME, UUID } from './helpers.js';

/** The value with every leaf replaced by its JSON type: two answers of the same shape compare equal. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
  }
  return value === null ? 'null' : typeof value;
}

describe('answers have the documented shapes', () => {
  it('submit: {output:{task_id, task_status:"PENDING"}, request_id}', async () => {
    const { call } = await harness();
    const answer = await call('POST', SUBMIT_PATH, {
      headers: { 'x-dashscope-async': 'enable' },
      body: DOC_SUBMIT_REQUEST,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['content-length']).toBe(String(answer.bytes.length));
    expect(shape(answer.json)).toEqual(shape(DOC_SUBMIT_RESPONSE));
    expect(Object.keys(answer.json)).toEqual(Object.keys(DOC_SUBMIT_RESPONSE));
    expect(answer.json.output.task_status).toBe('PENDING');
    expect(answer.json.output.task_id).toMatch(UUID);
    expect(answer.json.request_id).toMatch(UUID);
  });

  it('a SUCCEEDED query matches the example, with Beijing times and a signed video_url on the emulator', async () => {
    // The document's example: submitted 11:33:03.146, scheduled 10.166 s later, ran 9.143 s, 2.79 s of video.
    const { call, submit, clock, emu } = await harness({ queueMs: 10_166, runMs: 9_143 });
    const taskId = await submit({ input: { audio_url: `${AUDIO}?duration=2.79` } });
    clock.advance(20_000);
    const answer = await call('GET', `/tasks/${taskId}`);
    expect(answer.status).toBe(200);
    expect(shape(answer.json)).toEqual(shape(DOC_TASK_SUCCEEDED));
    expect(answer.json.output).toMatchObject({
      task_id: taskId,
      task_status: 'SUCCEEDED',
      submit_time: '2025-12-26 11:33:03.146',
      scheduled_time: '2025-12-26 11:33:13.312',
      end_time: '2025-12-26 11:33:22.455',
    });
    expect(answer.json.usage).toEqual({ video_duration: 2.79, video_ratio: 'standard' });
    const videoUrl = new URL(answer.json.output.results.video_url);
    expect(`${videoUrl.origin}${videoUrl.pathname}`).toBe(`${emu.url}/results/${taskId}.mp4`);
    // Expires: 24 h after the end, in epoch seconds, like a signed OSS URL.
    expect(Number(videoUrl.searchParams.get('Expires'))).toBe(
      Math.ceil((Date.UTC(2025, 11, 26, 3, 33, 22, 455) + 24 * 3_600_000) / 1000),
    );
  });

  it('a FAILED query carries the example fields plus the times the task reached', async () => {
    const { call, submit, clock } = await harness({ queueMs: 1000, runMs: 1000 });
    const taskId = await submit({ input: { audio_url: 'https://example.com/fail.mp3' } });
    clock.advance(2000);
    const answer = await call('GET', `/tasks/${taskId}`);
    expect(answer.status).toBe(200);
    const { submit_time, scheduled_time, end_time, ...documented } = answer.json.output;
    expect(shape({ ...answer.json, output: documented })).toEqual(shape(DOC_TASK_FAILED));
    expect([submit_time, scheduled_time, end_time]).toEqual([
      '2025-12-26 11:33:03.146',
      '2025-12-26 11:33:04.146',
      '2025-12-26 11:33:05.146',
    ]);
    expect(answer.json.output).toMatchObject({ task_status: 'FAILED', code: 'InvalidURL' });
    expect(answer.json.usage).toBeUndefined();
  });

  it('PENDING shows submit_time only; RUNNING adds scheduled_time', async () => {
    const { call, submit, clock } = await harness({ queueMs: 1000, runMs: 1000 });
    const taskId = await submit();
    const pending = await call('GET', `/tasks/${taskId}`);
    expect(pending.json.output).toEqual({
      task_id: taskId,
      task_status: 'PENDING',
      submit_time: '2025-12-26 11:33:03.146',
    });
    clock.advance(1000);
    const running = await call('GET', `/tasks/${taskId}`);
    expect(running.json.output).toEqual({
      task_id: taskId,
      task_status: 'RUNNING',
      submit_time: '2025-12-26 11:33:03.146',
      scheduled_time: '2025-12-26 11:33:04.146',
    });
    expect(running.json.output.submit_time).toMatch(TASK_TIME);
  });

  it('an unknown task id is 200 with task_status UNKNOWN', async () => {
    const { call } = await harness();
    const answer = await call('GET', '/tasks/00000000-0000-0000-0000-000000000000');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      request_id: expect.stringMatching(UUID),
      output: { task_id: '00000000-0000-0000-0000-000000000000', task_status: 'UNKNOWN' },
    });
  });

  it('image check: {output:{pass, message}, usage:{image_count:1}, request_id}', async () => {
    const { call } = await harness();
    const check = (image_url: string) =>
      call('POST', '/services/aigc/image2video/face-detect', {
        body: { model: 'liveportrait-detect', input: { image_url } },
      });
    const ok = await check(IMAGE);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({
      output: { pass: true, message: '' },
      usage: { image_count: 1 },
      request_id: expect.stringMatching(UUID),
    });
    const noFace = await check('https://example.com/noface.png');
    expect(noFace.json.output).toEqual({ pass: false, message: 'No human face detected.' });
  });

  it('image check answers can be scripted per URL and count', async () => {
    const { call, emu } = await harness();
    emu.scriptImageCheck({
      when: (url) => url.endsWith('.bmp'),
      times: 1,
      pass: false,
      message: 'Too many faces.',
    });
    const check = async (image_url: string) =>
      (
        await call('POST', '/services/aigc/image2video/face-detect', {
          body: { model: 'liveportrait-detect', input: { image_url } },
        })
      ).json.output;
    expect(await check('https://example.com/a.bmp')).toEqual({ pass: false, message: 'Too many faces.' });
    expect(await check('https://example.com/a.bmp')).toEqual({ pass: true, message: '' });
  });

  it('cancel answers {request_id}; errors are {code, message, request_id}', async () => {
    const { call, submit } = await harness();
    const taskId = await submit();
    const canceled = await call('POST', `/tasks/${taskId}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.json).toEqual({ request_id: expect.stringMatching(UUID) });
    const again = await call('POST', `/tasks/${taskId}/cancel`);
    expect(again.status).toBe(400);
    expect(Object.keys(again.json).sort()).toEqual(['code', 'message', 'request_id']);
  });
});
