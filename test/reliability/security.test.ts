/**
 * The key's safety rules, each with a test that fails when the rule is broken: never in an error of any
 * class, only over HTTPS or to loopback, never to a third-party host (media, downloads, redirects), and
 * no input can change a request's path.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import * as sdk from '../../src/index.js';
import {
  ConfigurationError,
  LivePortraitClient,
  LivePortraitError,
  ValidationError,
} from '../../src/index.js';
import { API_KEY, AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';

/** What the third-party server answers. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** A loopback server standing for a third-party host; it records what it was sent. */
async function thirdParty(answer: (path: string) => Answer) {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const { status, headers, body } = answer(req.url ?? '');
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the key never appears in an error', () => {
  const texts = (error: unknown) => {
    const e = error as Error;
    return [
      e.message,
      e.stack ?? '',
      JSON.stringify(e),
      inspect(e, { depth: 10, showHidden: true }),
      String(e),
    ];
  };

  it('of any class the SDK exports, even when the server echoes the key back', async () => {
    const running = await emulator({ queueMs: 60_000 });
    // The default request timeout: on a loaded machine a 100 ms one turned answered requests into
    // RequestTimeoutErrors, and the classes meant below went missing. Only the hung request gets it.
    const client = clientFor(running, { maxRetries: 0 });
    const impatient = clientFor(running, { timeout: 100, maxRetries: 0 });
    const echo = `Invalid API-key provided: ${API_KEY} (Authorization: Bearer ${API_KEY})`;
    const fault = (status: number, extra: Record<string, unknown> = {}) =>
      running.faults.next(1, { route: 'query', kind: 'status', status, message: echo, ...extra });
    const caught: unknown[] = [];
    const attempt = async (call: () => Promise<unknown>) =>
      caught.push(
        await call().then(
          () => undefined,
          (e: unknown) => e,
        ),
      );

    for (const status of [400, 401, 403, 404, 429, 500, 418]) {
      fault(status);
      await attempt(() => client.getTask('t-1'));
    }
    running.faults.next(1, { route: 'query', kind: 'status', status: 200, body: `{"echo":"${API_KEY}"` });
    await attempt(() => client.getTask('t-1')); // InvalidResponse
    running.faults.next(1, { route: 'query', kind: 'status', status: 502, body: `<html>${API_KEY}</html>` });
    await attempt(() => client.getTask('t-1'));
    running.faults.next(1, { route: 'query', kind: 'reset-before-body' });
    await attempt(() => client.getTask('t-1')); // ConnectionError
    running.faults.next(1, { route: 'query', kind: 'hang' });
    await attempt(() => impatient.getTask('t-1')); // RequestTimeoutError
    await attempt(() => client.getTask('t-1', { signal: AbortSignal.abort() })); // AbortError
    await attempt(() => client.generateVideo('not a url', AUDIO)); // ValidationError
    await attempt(async () => new LivePortraitClient({ apiKey: API_KEY, baseURL: 'http://example.com' })); // ConfigurationError
    running.scriptImageCheck({ pass: false, message: echo });
    await attempt(() => client.generateVideo(IMAGE, AUDIO, { detect: true })); // ImageRejectedError
    await attempt(() => client.generateVideo(IMAGE, AUDIO, { timeout: 30 })); // WaitTimeoutError
    running.tasks.script({
      times: 1,
      queueMs: 0,
      runMs: 0,
      outcome: { status: 'FAILED', code: 'InvalidURL', message: echo },
    });
    await attempt(() => client.generateVideo(IMAGE, AUDIO)); // TaskFailedError
    const pending = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
    await client.cancelTask(pending.taskId);
    await attempt(() => client.waitForTask(pending.taskId)); // TaskCanceledError
    await attempt(() => client.waitForTask('no-such-task')); // TaskUnknownError
    const video = await thirdParty((path) =>
      path.includes('ok') ? { status: 200, body: 'video' } : { status: path.includes('gone') ? 404 : 503 },
    );
    const dir = await mkdtemp(join(tmpdir(), 'lp-sec-'));
    await attempt(() =>
      client.downloadVideo(`${video.url}/gone.mp4?Signature=${API_KEY}`, join(dir, 'a.mp4')),
    ); // ResultExpiredError
    await attempt(() =>
      client.downloadVideo(`${video.url}/busy.mp4?Signature=${API_KEY}`, join(dir, 'b.mp4')),
    ); // MediaUnreachableError
    // SaveFailedError keeps the whole signed URL on purpose (the one way back to a billed video), so its
    // query here holds no key; the key must still appear nowhere else in it.
    await attempt(() =>
      client.downloadVideo(`${video.url}/ok.mp4?Signature=s`, join(dir, 'no-dir', 'c.mp4')),
    );
    await rm(dir, { recursive: true, force: true });

    const errorClasses = Object.entries(sdk)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name]) => name);
    const seen = new Set(caught.map((error) => (error as Error).constructor.name));
    // Every error class the SDK exports was produced above, so none escapes this check.
    expect(errorClasses.filter((name) => name !== 'LivePortraitError' && !seen.has(name))).toEqual([]);
    for (const error of caught) {
      expect(error).toBeInstanceOf(LivePortraitError);
      for (const text of texts(error)) expect(text).not.toContain(API_KEY);
    }
  });
});

describe('the key travels only over HTTPS or to loopback', () => {
  const build = (baseURL: string, allowInsecureHttp?: boolean) => () =>
    new LivePortraitClient({ apiKey: API_KEY, baseURL, allowInsecureHttp }).close();

  it.each([
    'https://dashscope.aliyuncs.com/api/v1',
    'http://localhost:8080/api/v1',
    'http://LOCALHOST/api/v1',
    'http://127.0.0.1:1/api/v1',
    'http://127.1.2.3/api/v1',
    'http://127.1/api/v1', // WHATWG: 127.0.0.1
    'http://2130706433/api/v1', // 127.0.0.1 as one number
    'http://0x7f.0.0.1/api/v1',
    'http://[::1]:8080/api/v1',
    'http://[0:0:0:0:0:0:0:1]/api/v1',
    'http://[::ffff:127.0.0.1]/api/v1',
  ])('accepts %s', (baseURL) => {
    expect(build(baseURL)).not.toThrow();
  });

  it.each([
    'http://localhost.evil.com/api/v1',
    'http://evil.localhost/api/v1',
    'http://127.0.0.1.evil.com/api/v1',
    'http://localhost:80@evil.com/api/v1',
    'http://evil.com/api/v1',
    'http://128.0.0.1/api/v1',
    'http://0.0.0.0/api/v1',
    'http://10.0.0.1/api/v1',
    'http://[::2]/api/v1',
    'http://[::ffff:10.0.0.1]/api/v1',
    'http://[fe80::1]/api/v1',
    'http://localhost./api/v1',
    'ftp://localhost/api/v1',
  ])('refuses %s with a ConfigurationError', (baseURL) => {
    expect(build(baseURL)).toThrow(ConfigurationError);
  });

  it('allowInsecureHttp lets a non-loopback http URL through, on purpose', () => {
    expect(build('http://evil.com/api/v1', true)).not.toThrow();
  });

  it('any accepted plain-http host is a loopback address (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const host = fc.oneof(
      fc.constantFrom(
        'localhost',
        '127.0.0.1',
        '[::1]',
        'localhost.evil.com',
        'evil.localhost',
        '[::ffff:7f00:1]',
      ),
      fc.ipV4().map(String),
      fc.ipV6().map((ip) => `[${ip}]`),
      fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
      fc.tuple(fc.constantFrom('localhost', '127.0.0.1'), label).map(([a, b]) => `${a}.${b}`),
    );
    fc.assert(
      fc.property(host, (h) => {
        const baseURL = `http://${h}/api/v1`;
        let accepted = true;
        try {
          build(baseURL)();
        } catch (error) {
          if (!(error instanceof ConfigurationError)) throw error;
          accepted = false;
        }
        if (!accepted) return;
        const hostname = new URL(baseURL).hostname.replace(/^\[|\]$/g, '');
        const loopback =
          hostname === 'localhost' ||
          hostname === '::1' ||
          /^::ffff:7f/.test(hostname) ||
          (hostname.split('.').length === 4 && hostname.startsWith('127.'));
        expect(loopback, `${baseURL} was accepted`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the key is never sent to a third-party host', () => {
  it('downloads and media checks go without Authorization, redirects included', async () => {
    const running = await emulator();
    const client = clientFor(running);
    const media = await thirdParty((path): Answer => {
      if (path.startsWith('/moved')) return { status: 302, headers: { location: '/video.mp4' } };
      return { status: 200, headers: { 'content-type': 'video/mp4' }, body: Buffer.alloc(64) };
    });
    const dir = await mkdtemp(join(tmpdir(), 'lp-sec-'));
    try {
      await client.downloadVideo(`${media.url}/moved?Expires=1&Signature=abc`, join(dir, 'v.mp4'));
      await client
        .inspectMedia({ imageUrl: `${media.url}/face.png`, audioUrl: `${media.url}/voice.mp3` })
        .catch(() => {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(media.seen.length).toBeGreaterThanOrEqual(3);
    for (const request of media.seen) {
      expect(request.headers.authorization).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(API_KEY);
    }
  });

  it('a 3xx from DashScope is not followed to another host', async () => {
    const running = await emulator();
    const elsewhere = await thirdParty(() => ({ status: 200, body: '{}' }));
    for (const status of [301, 302, 303, 307, 308]) {
      running.faults.next(1, {
        route: 'query',
        kind: 'status',
        status,
        headers: { location: `${elsewhere.url}/steal` },
        body: '',
      });
      const error = await clientFor(running, { maxRetries: 0 })
        .getTask('t-1')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(sdk.APIError);
      expect(error).toMatchObject({ status });
    }
    expect(elsewhere.seen).toEqual([]);
  });
});

describe('no input changes the request path', () => {
  /** A client on a MockAgent: no socket, every request's path recorded, every query answered UNKNOWN. */
  function recordingClient() {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://dashscope.test')
      .intercept({ method: () => true, path: () => true })
      .reply(200, { request_id: 'r', output: { task_id: 'x', task_status: 'UNKNOWN' } })
      .persist();
    const paths: string[] = [];
    const dispatcher = agent.compose((dispatch) => (options, handler) => {
      paths.push(options.path);
      return dispatch(options, handler);
    });
    const client = new LivePortraitClient({
      apiKey: API_KEY,
      baseURL: 'https://dashscope.test/api/v1',
      dispatcher,
      maxRetries: 0,
    });
    return { client, paths, close: () => agent.close() };
  }

  const taskIds = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '.',
      '..',
      '...',
      'a/..',
      '%2e%2e',
      '..%2f',
      'a?b',
      'a#b',
      'a\\b',
      ' a',
      'a\tb',
      '\u0000',
      '／',
      '．．',
    ),
    fc
      .array(
        fc.constantFrom('.', '/', '%', '?', '#', '\\', 'a', '-', '~', ':', '@', ';', '\u2028', '\u00a0'),
        {
          maxLength: 6,
        },
      )
      .map((parts) => parts.join('')),
  );

  it('any task id is rejected, or reaches /tasks/<id> as exactly one segment (property)', async () => {
    const { client, paths, close } = recordingClient();
    try {
      await fc.assert(
        fc.asyncProperty(taskIds, fc.constantFrom('get', 'cancel', 'wait'), async (id, call) => {
          paths.length = 0;
          const run =
            call === 'get'
              ? client.getTask(id)
              : call === 'cancel'
                ? client.cancelTask(id)
                : // Every answer is UNKNOWN at once: the deadline is only there to stop a hang.
                  client.waitForTask(id, { timeout: 10_000 });
          const error = await run.then(
            () => undefined,
            (e: unknown) => e,
          );
          if (error instanceof ValidationError) {
            expect(paths).toEqual([]);
            return;
          }
          expect(paths).toHaveLength(1);
          const path = paths[0] as string;
          const match = /^\/api\/v1\/tasks\/([^/?#]+)(\/cancel)?$/.exec(path);
          expect(match, path).not.toBeNull();
          expect(decodeURIComponent(match?.[1] ?? '')).toBe(id);
          expect(Boolean(match?.[2])).toBe(call === 'cancel');
          // What a URL parser makes of it is the same path: no dot segment, nothing resolved away.
          expect(new URL(path, 'https://dashscope.test').pathname).toBe(path);
        }),
        { numRuns: 300 },
      );
    } finally {
      await client.close();
      await close();
    }
  });
});
