/** Server-side checks: API keys, submit and image-check bodies, and the per-account rate limits. */
import { describe, expect, it } from 'vitest';
import { AUDIO, harness, IMAGE, SUBMIT_PATH, UUID } from './helpers.js';

const ASYNC = { 'x-dashscope-async': 'enable' };
const validBody = (patch: { input?: object; parameters?: object; model?: unknown } = {}) => ({
  model: 'model' in patch ? patch.model : 'liveportrait',
  input: { image_url: IMAGE, audio_url: AUDIO, ...patch.input },
  parameters: { ...patch.parameters },
});

describe('API keys', () => {
  it('answers 401 InvalidApiKey for a missing, unknown or revoked key', async () => {
    const { call, emu } = await harness();
    const missing = await call('GET', '/tasks/x', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({
      code: 'InvalidApiKey',
      message: 'No API-key provided.',
      request_id: expect.stringMatching(UUID),
    });
    expect((await call('GET', '/tasks/x', { key: 'sk-other' })).json.code).toBe('InvalidApiKey');
    emu.apiKeys.revoke('sk-test');
    expect((await call('GET', '/tasks/x')).status).toBe(401);
    emu.apiKeys.allow('sk-test');
    expect((await call('GET', '/tasks/x')).status).toBe(200);
  });

  it('accepts any sk- key when no allow-list is given', async () => {
    const { call } = await harness({ apiKeys: undefined });
    expect((await call('GET', '/tasks/x', { key: 'sk-anything' })).status).toBe(200);
    expect((await call('GET', '/tasks/x', { key: 'not-a-key' })).status).toBe(401);
    expect((await call('GET', '/tasks/x', { key: 'sk-' })).status).toBe(401);
  });

  it('lets result URLs through without a key, like a signed OSS URL', async () => {
    const { call, submit, clock } = await harness({ queueMs: 0, runMs: 0 });
    const taskId = await submit();
    clock.advance(1);
    const url = (await call('GET', `/tasks/${taskId}`)).json.output.results.video_url;
    expect((await call('GET', url, { key: null })).status).toBe(200);
  });
});

describe('submit validation', () => {
  const cases: Array<[string, { body: unknown; headers?: Record<string, string> }, number, string, RegExp]> =
    [
      ['no async header', { body: validBody(), headers: {} }, 403, 'AccessDenied', /synchronous calls/],
      ['body not JSON', { body: '{"model":' }, 400, 'InvalidParameter', /valid JSON/],
      ['no model', { body: validBody({ model: undefined }) }, 400, 'BadRequest.EmptyModel', /model/],
      ['wrong model', { body: validBody({ model: 'wanx-v1' }) }, 400, 'InvalidParameter', /Model not exist/],
      ['no input', { body: { model: 'liveportrait' } }, 400, 'BadRequest.EmptyInput', /input/],
      [
        'no image_url',
        { body: validBody({ input: { image_url: undefined } }) },
        400,
        'InvalidParameter',
        /image_url/,
      ],
      [
        'no audio_url',
        { body: validBody({ input: { audio_url: '' } }) },
        400,
        'InvalidParameter',
        /audio_url/,
      ],
      [
        'local path',
        { body: validBody({ input: { image_url: '/tmp/face.png' } }) },
        400,
        'InvalidURL',
        /image_url/,
      ],
      [
        'oss:// without resolve header',
        { body: validBody({ input: { audio_url: 'oss://dir/a.mp3' } }) },
        400,
        'InvalidURL',
        /OssResourceResolve/,
      ],
    ];
  it.each(cases)('%s → %i %s', async (_name, request, status, code, message) => {
    const { call, emu } = await harness();
    const answer = await call('POST', SUBMIT_PATH, { headers: request.headers ?? ASYNC, body: request.body });
    expect(answer.status).toBe(status);
    expect(answer.json.code).toBe(code);
    expect(answer.json.message).toMatch(message);
    expect(emu.stats.tasksCreated).toBe(0);
  });

  const outOfRange: Array<[string, unknown]> = [
    ['template_id', 'lively'],
    ['eye_move_freq', 1.01],
    ['eye_move_freq', -0.1],
    ['video_fps', 14],
    ['video_fps', 31],
    ['video_fps', 24.5],
    ['mouth_move_strength', 1.6],
    ['head_move_strength', 1.1],
    ['paste_back', 'yes'],
    ['head_move_strength', '0.5'],
  ];
  it.each(outOfRange)('rejects parameters.%s = %j with 400 InvalidParameter', async (name, value) => {
    const { call } = await harness();
    const answer = await call('POST', SUBMIT_PATH, {
      headers: ASYNC,
      body: validBody({ parameters: { [name]: value } }),
    });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('InvalidParameter');
    expect(answer.json.message).toContain(`parameters.${name}`);
  });

  it('accepts the inclusive bounds', async () => {
    const { call } = await harness();
    for (const parameters of [
      {
        template_id: 'calm',
        eye_move_freq: 0,
        video_fps: 15,
        mouth_move_strength: 0,
        head_move_strength: 0,
        paste_back: false,
      },
      {
        template_id: 'active',
        eye_move_freq: 1,
        video_fps: 30,
        mouth_move_strength: 1.5,
        head_move_strength: 1,
      },
    ]) {
      const answer = await call('POST', SUBMIT_PATH, { headers: ASYNC, body: validBody({ parameters }) });
      expect(answer.status).toBe(200);
    }
  });

  it('checks the image-check model and input', async () => {
    const { call } = await harness();
    const detect = (body: unknown) => call('POST', '/services/aigc/image2video/face-detect', { body });
    expect((await detect({ model: 'liveportrait', input: { image_url: IMAGE } })).json.code).toBe(
      'InvalidParameter',
    );
    expect((await detect({ model: 'liveportrait-detect', input: {} })).json.code).toBe('InvalidParameter');
    expect((await detect({ model: 'liveportrait-detect' })).json.code).toBe('BadRequest.EmptyInput');
  });

  it('answers unknown paths like the gateway does', async () => {
    const { call, emu } = await harness();
    const answer = await call('GET', '/services/aigc/image2video/nothing-here');
    expect(answer.status).toBe(400);
    expect(answer.json.message).toBe('url error, please check url!');
    expect(emu.log.at(-1)).toMatchObject({ route: 'unmatched', status: 400 });
  });
});

describe('rate limits', () => {
  it('allows 20 task queries per second per account, then 429 Throttling.RateQuota with Retry-After', async () => {
    const { call, clock, emu } = await harness();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await call('GET', '/tasks/x')).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.at(-1)).toBe(429);
    const throttled = await call('GET', '/tasks/x');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json).toMatchObject({
      code: 'Throttling.RateQuota',
      request_id: expect.stringMatching(UUID),
    });
    expect(emu.stats.throttled).toBe(2);

    clock.advance(50); // one token back at 20/s
    expect((await call('GET', '/tasks/x')).status).toBe(200);
    expect((await call('GET', '/tasks/x')).status).toBe(429);
  });

  it('limits submits at the configured rate, and budgets are per account', async () => {
    const { call, submit } = await harness({
      rateLimits: { submit: { perSecond: 0.5, burst: 2 } },
      apiKeys: ['sk-test', 'sk-second'],
    });
    await submit();
    await submit();
    const third = await call('POST', SUBMIT_PATH, { headers: ASYNC, body: validBody() });
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('2');
    const other = await call('POST', SUBMIT_PATH, { headers: ASYNC, body: validBody(), key: 'sk-second' });
    expect(other.status).toBe(200);
  });

  it('can turn a limit off', async () => {
    const { call } = await harness({ rateLimits: { query: false } });
    for (let i = 0; i < 50; i++) expect((await call('GET', '/tasks/x')).status).toBe(200);
  });
});
