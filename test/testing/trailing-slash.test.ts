/**
 * Every route answers with or without a trailing slash, as the real gateway does (the official
 * DashScope Python SDK submits to `…/video-synthesis` without one), both in-process (msw handlers with
 * global fetch) and on the real port.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDashScopeHandlers,
  createEmulator,
  createManualClock,
  DEFAULT_BASE_URL,
} from '../../src/testing/index.js';
import type { RouteName } from '../../src/testing/route-names.js';
import { AUDIO, harness, IMAGE, KEY, SUBMIT_PATH } from './helpers.js';

const SUBMIT_BODY = { model: 'liveportrait', input: { image_url: IMAGE, audio_url: AUDIO } };

/** Each route as a request: method, path below its base (no trailing slash), body, and which base. */
const CASES: Array<{ route: RouteName; method: string; path: string; body?: unknown; results?: boolean }> = [
  { route: 'submit', method: 'POST', path: SUBMIT_PATH.replace(/\/$/, ''), body: SUBMIT_BODY },
  { route: 'detect', method: 'POST', path: '/services/aigc/image2video/face-detect', body: {} },
  { route: 'list', method: 'GET', path: '/tasks' },
  { route: 'query', method: 'GET', path: '/tasks/t-1' },
  { route: 'cancel', method: 'POST', path: '/tasks/t-1/cancel' },
  { route: 'getPolicy', method: 'GET', path: '/uploads' },
  { route: 'result', method: 'GET', path: '/results/t-1.mp4', results: true },
  { route: 'result', method: 'HEAD', path: '/results/t-1.mp4', results: true },
  { route: 'ossUpload', method: 'POST', path: '/oss-upload', body: {}, results: true },
];

/** `path`, then the same with a trailing slash, keeping any query string after it. */
const bothWays = CASES.flatMap((c) => [
  { ...c, path: c.path },
  { ...c, path: `${c.path}/` },
]);

describe('the real-port emulator', () => {
  it.each(bothWays)('$method $path reaches route $route', async ({ route, method, path, body, results }) => {
    const { emu, call } = await harness();
    const url = results ? `${emu.url}${path}` : path;
    const answer = await call(method, url, { body, headers: { 'x-dashscope-async': 'enable' } });
    expect(emu.log.at(-1)?.route).toBe(route);
    if (route === 'submit') expect(answer.status).toBe(200);
  });
});

describe('the msw handlers', () => {
  const emulator = createEmulator({ now: createManualClock().now, apiKeys: [KEY] });
  const server = setupServer(...createDashScopeHandlers({ emulator }));
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());

  it.each(bothWays)('$method $path reaches route $route', async ({ route, method, path, body, results }) => {
    const base = results ? new URL(DEFAULT_BASE_URL).origin : DEFAULT_BASE_URL;
    const answer = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'x-dashscope-async': 'enable',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await answer.arrayBuffer();
    expect(emulator.log.at(-1)?.route).toBe(route);
    if (route === 'submit') expect(answer.status).toBe(200);
  });
});
