/**
 * createEmulatorDispatcher: the SDK running whole jobs in-process against the emulator at the default
 * base URL, through undici's dispatcher contract, without a socket. Task times come from a manual
 * clock, advanced when a job is submitted, so no verdict here depends on how fast the machine is.
 */
import dns from 'node:dns';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { setupServer } from 'msw/node';
import { type Dispatcher, errors, fetch, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  type GenerateVideoOptions,
  LivePortraitClient,
  MediaUnreachableError,
  RequestTimeoutError,
  SaveFailedError,
  TaskFailedError,
} from '../../src/index.js';
import {
  createDashScopeHandlers,
  createEmulator,
  createEmulatorDispatcher,
  createManualClock,
  DEFAULT_BASE_URL,
  type EmulatorDispatcher,
  sampleVideo,
  uploadsOf,
} from '../../src/testing/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { AUDIO, IMAGE } from '../helpers/media-urls.js';

const KEY = 'sk-test';
const fixture = (name: string) => resolve('test/fixtures/media', name);

let dir = '';
beforeEach(async () => {
  // The default base URL must be the one in use, whatever the environment says.
  vi.stubEnv('DASHSCOPE_HTTP_BASE_URL', undefined);
  dir = await mkdtemp(join(tmpdir(), 'lp-dispatcher-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

/** An emulator on a manual clock, its dispatcher, and a client using it (no baseURL given). */
function setup(options: { timeout?: number; maxRetries?: number } = {}) {
  const clock = createManualClock();
  const emulator = createEmulator({ apiKeys: [KEY], now: clock.now });
  const dispatcher = createEmulatorDispatcher({ emulator });
  const client = new LivePortraitClient({
    apiKey: KEY,
    dispatcher,
    maxRetryDelay: 5,
    pollSchedule: { initialMs: 5, maxMs: 5, jitter: 0 },
    ...options,
  });
  onCleanup(
    () => dispatcher.destroy(),
    () => client.close(),
  );
  // Submitted tasks end within a minute of emulated time: jump past it as soon as one exists.
  const finishOnSubmit: GenerateVideoOptions = { onSubmitted: () => clock.advance(60_000) };
  return { clock, emulator, dispatcher, client, finishOnSubmit };
}

/** How long vi.waitFor may wait for something that happens in a few loop turns: only a defect takes this long. */
const PATIENT = { timeout: 10_000 };

/** Waits until the emulator has logged `count` requests (a hung one is logged when it arrives). */
async function logged(emulator: { log: unknown[] }, count: number): Promise<void> {
  await vi.waitFor(() => expect(emulator.log.length).toBeGreaterThanOrEqual(count), PATIENT);
}

describe('whole jobs at the default base URL', () => {
  it('generateVideo: image check, submit, wait, and the download of the result', async () => {
    const { emulator, client, finishOnSubmit } = setup();
    const output = join(dir, 'video.mp4');
    const video = await client.generateVideo(IMAGE, AUDIO, { ...finishOnSubmit, detect: true, output });

    expect(video.videoUrl.startsWith('https://dashscope.aliyuncs.com/results/')).toBe(true);
    expect(video.outputPath).toBe(output);
    expect(new Uint8Array(await readFile(output))).toEqual(sampleVideo());
    const routes = emulator.log.map((entry) => `${entry.route} ${entry.status}`);
    expect(routes).toEqual(expect.arrayContaining(['detect 200', 'submit 200', 'query 200', 'result 200']));
    expect(emulator.log.every((entry) => entry.path.startsWith('/api/v1/') || entry.route === 'result')).toBe(
      true,
    );
  });

  it('local files are uploaded to temporary storage and the job uses their oss:// URLs', async () => {
    const { emulator, client, finishOnSubmit } = setup();
    const video = await client.generateVideo(fixture('face.png'), fixture('voice.wav'), finishOnSubmit);

    const uploads = uploadsOf(emulator).all();
    expect(uploads).toHaveLength(2);
    const [image, audio] = await Promise.all([readFile(fixture('face.png')), readFile(fixture('voice.wav'))]);
    expect(uploads.map((file) => Buffer.from(file.bytes))).toEqual(expect.arrayContaining([image, audio]));
    expect(emulator.tasks.get(video.taskId)).toMatchObject({
      imageUrl: expect.stringMatching(/^oss:\/\//),
      audioUrl: expect.stringMatching(/^oss:\/\//),
    });
  });

  it('serves Range requests on the result URL, and undici fetch() too', async () => {
    const { client, dispatcher, finishOnSubmit } = setup();
    const { videoUrl } = await client.generateVideo(IMAGE, AUDIO, finishOnSubmit);
    const size = sampleVideo().length;

    const part = await request(videoUrl, { dispatcher, headers: { range: 'bytes=0-7' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-7/${size}`);
    expect(
      Buffer.from(await part.body.arrayBuffer())
        .subarray(4, 8)
        .toString('latin1'),
    ).toBe('ftyp');

    const whole = await fetch(videoUrl, { dispatcher });
    expect(whole.status).toBe(200);
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(sampleVideo());
  });
});

describe('errors and faults', () => {
  it('a failed task, a wrong key and a 400 fault surface as the typed errors', async () => {
    const { emulator, dispatcher, client, finishOnSubmit } = setup();
    await expect(
      client.generateVideo(IMAGE, 'https://example.com/fail.mp3', finishOnSubmit),
    ).rejects.toBeInstanceOf(TaskFailedError);

    const wrongKey = new LivePortraitClient({ apiKey: 'sk-wrong', dispatcher });
    onCleanup(() => wrongKey.close());
    await expect(wrongKey.getTask('t-1')).rejects.toBeInstanceOf(AuthenticationError);

    emulator.faults.next(1, { route: 'submit', kind: 'status', status: 400, code: 'InvalidParameter' });
    await expect(client.submit({ imageUrl: IMAGE, audioUrl: AUDIO })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('a reset after the body: the task exists, the SDK gets ConnectionError and does not submit again', async () => {
    const { emulator, client } = setup();
    emulator.faults.next(1, { route: 'submit', kind: 'reset-after-body' });
    await expect(client.submit({ imageUrl: IMAGE, audioUrl: AUDIO })).rejects.toBeInstanceOf(ConnectionError);
    expect(emulator.stats.tasksCreated).toBe(1);
    expect(emulator.stats.byRoute.submit).toBe(1);
  });

  it('a reset before the body of a query is retried, and the retry answers', async () => {
    const { emulator, client } = setup();
    const { taskId } = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
    emulator.faults.next(1, { route: 'query', kind: 'reset-before-body' });
    await expect(client.getTask(taskId)).resolves.toMatchObject({ taskId, status: 'PENDING' });
    expect(emulator.stats.byRoute.query).toBe(2);
  });

  it('a failing result download is a SaveFailedError over a MediaUnreachableError, its message without the signature', async () => {
    const { emulator, client, finishOnSubmit } = setup({ maxRetries: 0 });
    emulator.faults.next(1, { route: 'result', kind: 'reset-before-body' });
    const job = client.generateVideo(IMAGE, AUDIO, { ...finishOnSubmit, output: join(dir, 'v.mp4') });
    const error = await job.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SaveFailedError);
    expect((error as SaveFailedError).cause).toBeInstanceOf(MediaUnreachableError);
    expect((error as SaveFailedError).videoUrl).toContain('https://dashscope.aliyuncs.com/results/');
    expect(String((error as Error).message)).toContain('https://dashscope.aliyuncs.com/results/');
    expect(String((error as Error).message)).not.toContain('Signature');
  });
});

describe('aborts and timeouts', () => {
  it("the caller's signal ends a hung request at once, and nothing is left in flight", async () => {
    const { emulator, dispatcher, client } = setup();
    emulator.faults.next(1, { route: 'query', kind: 'hang' });
    const controller = new AbortController();
    const pending = client.getTask('t-hung', { signal: controller.signal });
    await logged(emulator, 1); // the hung request has reached the emulator
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    // close() waits for requests in flight: it resolves only because the hang has ended.
    await dispatcher.close();
  });

  it("undici's headersTimeout and the client's timeout both end a hang", async () => {
    const { emulator, dispatcher } = setup();
    emulator.faults.next(2, { route: 'query', kind: 'hang' });
    const hung = request(`${DEFAULT_BASE_URL}/tasks/t-1`, {
      dispatcher,
      headers: { authorization: `Bearer ${KEY}` },
      headersTimeout: 100,
    });
    await expect(hung).rejects.toBeInstanceOf(errors.HeadersTimeoutError);

    const impatient = new LivePortraitClient({ apiKey: KEY, dispatcher, timeout: 100, maxRetries: 0 });
    onCleanup(() => impatient.close());
    await expect(impatient.getTask('t-1')).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it('close() waits for a request in flight, and resolves once it is over', async () => {
    const { emulator, dispatcher } = setup();
    emulator.faults.next(1, { route: 'query', kind: 'hang' });
    const controller = new AbortController();
    const headers = { authorization: `Bearer ${KEY}` };
    const hung = request(`${DEFAULT_BASE_URL}/tasks/t-1`, { dispatcher, headers, signal: controller.signal });
    const hungError = hung.catch((error: unknown) => error);
    await logged(emulator, 1);
    let closed = false;
    const closing = dispatcher.close().then(() => (closed = true));
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    controller.abort();
    await closing;
    expect(await hungError).toBeInstanceOf(Error);
  });

  it('destroy() aborts requests in flight; a closed dispatcher refuses new ones', async () => {
    const { emulator, dispatcher } = setup();
    emulator.faults.next(1, { route: 'query', kind: 'hang' });
    const headers = { authorization: `Bearer ${KEY}` };
    const hung = request(`${DEFAULT_BASE_URL}/tasks/t-1`, { dispatcher, headers }).catch((e: unknown) => e);
    await logged(emulator, 1);
    await dispatcher.destroy();
    expect(await hung).toBeInstanceOf(errors.ClientDestroyedError);

    const closed = createEmulatorDispatcher({ emulator });
    await closed.close();
    await expect(
      request(`${DEFAULT_BASE_URL}/tasks/t-1`, { dispatcher: closed, headers }),
    ).rejects.toBeInstanceOf(errors.ClientClosedError);
  });
});

describe('no network', () => {
  it('opens no socket and looks up no host for a whole job, uploads and download included', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const lookup = vi.spyOn(dns, 'lookup');
    const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind.startsWith('TCP')).length;
    const before = sockets();
    const { client, finishOnSubmit } = setup();

    await client.generateVideo(fixture('face.png'), fixture('voice.wav'), {
      ...finishOnSubmit,
      detect: true,
      output: join(dir, 'video.mp4'),
    });
    expect(connect).not.toHaveBeenCalled();
    expect(lookup).not.toHaveBeenCalled();
    expect(sockets()).toBe(before);
  });

  it('refuses a host it does not serve, clearly and without trying the network', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const { dispatcher } = setup();
    await expect(request('https://example.com/face.png', { dispatcher })).rejects.toThrow(
      /https:\/\/example\.com is not served by the emulator \(it answers https:\/\/dashscope\.aliyuncs\.com\); the request was not sent/,
    );

    // The SDK reports it as its own error, e.g. a preflight of a remote image.
    const client = new LivePortraitClient({ apiKey: KEY, dispatcher, maxRetries: 0 });
    onCleanup(() => client.close());
    await expect(client.inspectMedia({ imageUrl: IMAGE, audioUrl: AUDIO })).rejects.toThrow(
      /not served by the emulator/,
    );
    expect(connect).not.toHaveBeenCalled();
  });

  it('answers under a custom baseURL and results origin, and only there', async () => {
    const emulator = createEmulator({ apiKeys: [KEY] });
    const dispatcher = createEmulatorDispatcher({
      emulator,
      baseURL: 'https://dashscope-intl.example/api/v1/',
      resultsBaseURL: 'https://results.example',
    });
    onCleanup(() => dispatcher.destroy());
    expect(dispatcher.baseURL).toBe('https://dashscope-intl.example/api/v1');
    const headers = { authorization: `Bearer ${KEY}` };
    const answer = await request('https://dashscope-intl.example/api/v1/tasks/t-1', { dispatcher, headers });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    await expect(request(`${DEFAULT_BASE_URL}/tasks/t-1`, { dispatcher, headers })).rejects.toThrow(
      /not served/,
    );
  });
});

describe('why a dispatcher, not msw', () => {
  it("msw's setupServer does not see the SDK's undici requests: they go past it to the network", async () => {
    // A loopback port nobody listens on, with msw handlers for it: msw would answer; undici is refused.
    const free = net.createServer();
    await new Promise<void>((done) => free.listen(0, '127.0.0.1', done));
    const { port } = free.address() as net.AddressInfo;
    await new Promise((done) => free.close(done));
    const baseURL = `http://127.0.0.1:${port}/api/v1`;
    const emulator = createEmulator({ apiKeys: [KEY] });
    const server = setupServer(...createDashScopeHandlers({ emulator, baseURL }));
    server.listen({ onUnhandledRequest: 'bypass' });
    onCleanup(async () => server.close());

    expect(
      (await globalThis.fetch(`${baseURL}/tasks/t-1`, { headers: { authorization: `Bearer ${KEY}` } }))
        .status,
    ).toBe(200);
    const client = new LivePortraitClient({ apiKey: KEY, baseURL, maxRetries: 0 });
    onCleanup(() => client.close());
    await expect(client.getTask('t-1')).rejects.toBeInstanceOf(ConnectionError);
    expect(emulator.stats.byRoute.query).toBe(1); // only the fetch call reached the emulator
  });
});

describe('the dispatcher contract', () => {
  it('client.close() leaves a dispatcher the caller passed in usable', async () => {
    const { dispatcher, client, finishOnSubmit } = setup();
    await client.generateVideo(IMAGE, AUDIO, finishOnSubmit);
    await client.close();

    const next = new LivePortraitClient({ apiKey: KEY, dispatcher, pollSchedule: { initialMs: 5 } });
    onCleanup(() => next.close());
    await expect(next.generateVideo(IMAGE, AUDIO, finishOnSubmit)).resolves.toMatchObject({
      videoUrl: expect.any(String),
    });
  });

  it("serves undici 7's handler API too, and obeys pause and resume", async () => {
    const { client, dispatcher, finishOnSubmit } = setup();
    const { videoUrl } = await client.generateVideo(IMAGE, AUDIO, finishOnSubmit);
    const url = new URL(videoUrl);
    const events: string[] = [];
    const chunks: Buffer[] = [];
    let controller: Dispatcher.DispatchController | undefined;
    const ended = new Promise<void>((done, fail) => {
      dispatcher.dispatch(
        { origin: url.origin, path: url.pathname + url.search, method: 'GET' },
        {
          onRequestStart: (c) => {
            controller = c;
            events.push('start');
          },
          onResponseStart: (_c, status, headers) => events.push(`${status} ${headers['content-type']}`),
          onResponseData: (c, chunk) => {
            chunks.push(chunk);
            events.push('data');
            c.pause(); // one chunk, then nothing until resume()
          },
          onResponseEnd: () => {
            events.push('end');
            done();
          },
          onResponseError: (_c, error) => fail(error),
        },
      );
    });
    await vi.waitFor(() => expect(events).toContain('data'), PATIENT);
    // Unpaused, the rest would follow within the same turn; paused, nothing comes.
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['start', '200 video/mp4', 'data']);
    while (events.at(-1) !== 'end') {
      const seen = events.length;
      controller?.resume();
      await vi.waitFor(() => expect(events.length).toBeGreaterThan(seen), PATIENT);
    }
    await ended;
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(sampleVideo());
    expect(chunks.length).toBeGreaterThan(1);
  });

  it("reads every body kind undici's request() takes: string, bytes, Node stream, async iterable", async () => {
    const { emulator, dispatcher } = setup();
    const json = JSON.stringify({ model: 'liveportrait', input: { image_url: IMAGE, audio_url: AUDIO } });
    async function* pieces() {
      yield Buffer.from(json.slice(0, 10));
      yield Buffer.from(json.slice(10));
    }
    const bodies = [json, Buffer.from(json), Readable.from([Buffer.from(json)]), pieces()];
    for (const body of bodies) {
      const answer = await request(`${DEFAULT_BASE_URL}/services/aigc/image2video/video-synthesis/`, {
        dispatcher,
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEY}`,
          'content-type': 'application/json',
          'x-dashscope-async': 'enable',
        },
        body: body as string,
      });
      expect(answer.statusCode).toBe(200);
      await answer.body.dump();
    }
    expect(emulator.stats.tasksCreated).toBe(bodies.length);
  });

  it('can be created without an emulator, and exposes the one it made', async () => {
    const dispatcher: EmulatorDispatcher = createEmulatorDispatcher({ apiKeys: [KEY] });
    onCleanup(() => dispatcher.destroy());
    const client = new LivePortraitClient({ apiKey: KEY, dispatcher });
    onCleanup(() => client.close());
    const { taskId } = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
    expect(dispatcher.emulator.tasks.get(taskId)).toBeDefined();
  });
});
