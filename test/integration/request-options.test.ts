/**
 * Per-request `timeout` and `maxRetries` override the client's for that call only, on every method
 * that is one HTTP exchange. Retry counts are read from the emulator's (or the file server's) log;
 * timeouts use a request that never answers, so only the override can end it in time (no verdict
 * depends on how fast the machine is: the client's own timeout is ten minutes, the test's 30 s).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  InternalServerError,
  LivePortraitClient,
  MediaUnreachableError,
  RequestTimeoutError,
  ValidationError,
} from '../../src/index.js';
import type { RunningEmulator } from '../../src/testing/index.js';
import { API_KEY, AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';
import { fileServer, fixtureBytes } from '../media/helpers.js';

const TEN_MINUTES = 600_000;

/** A client whose own settings are the opposite of what each test asks per call. */
async function setUp(
  clientRetries: number,
): Promise<{ running: RunningEmulator; client: LivePortraitClient }> {
  const running = await emulator();
  const client = clientFor(running, { maxRetries: clientRetries, timeout: TEN_MINUTES });
  return { running, client };
}

describe('maxRetries per request', () => {
  it('getTask: 0 sends once although the client retries 5 times; 2 retries a client that never does', async () => {
    const { running, client } = await setUp(5);
    running.faults.next(10, { route: 'query', kind: 'status', status: 503 });
    await expect(client.getTask('t-1', { maxRetries: 0 })).rejects.toBeInstanceOf(InternalServerError);
    expect(running.stats.byRoute.query).toBe(1);

    const strict = await setUp(0);
    strict.running.faults.next(2, { route: 'query', kind: 'status', status: 503 });
    await expect(strict.client.getTask('no-such', { maxRetries: 2 })).resolves.toMatchObject({
      status: 'UNKNOWN',
    });
    expect(strict.running.stats.byRoute.query).toBe(3);
    // The next call without the option is back to the client's setting.
    strict.running.faults.next(1, { route: 'query', kind: 'status', status: 503 });
    await expect(strict.client.getTask('no-such')).rejects.toBeInstanceOf(InternalServerError);
    expect(strict.running.stats.byRoute.query).toBe(4);
  });

  it('detectImage, cancelTask and listTasks honor it', async () => {
    const { running, client } = await setUp(5);
    running.faults.next(10, { route: ['detect', 'cancel', 'list', 'query'], kind: 'status', status: 503 });
    await expect(client.detectImage(IMAGE, { maxRetries: 1 })).rejects.toBeInstanceOf(InternalServerError);
    expect(running.stats.byRoute.detect).toBe(2);
    // cancelTask checks the task after a failed cancel, with the same per-call settings.
    await expect(client.cancelTask('t-1', { maxRetries: 0 })).rejects.toBeInstanceOf(InternalServerError);
    expect(running.stats.byRoute.cancel).toBe(1);
    expect(running.stats.byRoute.query).toBe(1);
    const listing = client.listTasks({}, { maxRetries: 0 });
    await expect(listing.next()).rejects.toBeInstanceOf(InternalServerError);
    expect(running.stats.byRoute.list).toBe(1);
  });

  it('submit: a 429 (nothing was created) is retried only as often as the call allows', async () => {
    const { running, client } = await setUp(0);
    running.faults.next(2, { route: 'submit', kind: 'status', status: 429 });
    await expect(
      client.submit({ imageUrl: IMAGE, audioUrl: AUDIO }, { maxRetries: 2 }),
    ).resolves.toMatchObject({ status: 'PENDING' });
    expect(running.stats.byRoute.submit).toBe(3);
  });

  it('downloadVideo and inspectMedia: media reads retry as the call says', async () => {
    const { client } = await setUp(5);
    const files = await fileServer();
    files.serve('/v.mp4', new Uint8Array(16), { status: 503 });
    const dest = `${process.cwd()}/never-written-${Date.now()}.mp4`;
    await expect(client.downloadVideo(`${files.url}/v.mp4`, dest, { maxRetries: 0 })).rejects.toBeInstanceOf(
      MediaUnreachableError,
    );
    expect(files.requests.filter((r) => r.path === '/v.mp4')).toHaveLength(1);

    files.serve('/face.png', fixtureBytes('face.png'), { status: 503 });
    files.serve('/voice.wav', fixtureBytes('voice.wav'));
    await expect(
      client.inspectMedia(
        { imageUrl: `${files.url}/face.png`, audioUrl: `${files.url}/voice.wav` },
        { maxRetries: 1 },
      ),
    ).rejects.toBeInstanceOf(MediaUnreachableError);
    expect(files.requests.filter((r) => r.path === '/face.png')).toHaveLength(2);
  });
});

describe('timeout per request', () => {
  it('getTask gives up on a hung request after its own timeout, not the client’s ten minutes', async () => {
    const { running, client } = await setUp(0);
    running.faults.next(1, { route: 'query', kind: 'hang' });
    const error = await client.getTask('t-1', { timeout: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as Error).message).toContain('within 200 ms');
  });

  it('a longer timeout than the client’s lets a slow answer through', async () => {
    // A server that answers a task query after 1 s; the client alone gives up after 100 ms. Both timers
    // run in this process, so the 100 ms one always fires first, however loaded the machine is.
    const server = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ request_id: 'r-1', output: { task_id: 't-1', task_status: 'RUNNING' } }));
      }, 1_000);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new LivePortraitClient({
        apiKey: API_KEY,
        baseURL: `http://127.0.0.1:${port}/api/v1`,
        timeout: 100,
        maxRetries: 0,
      });
      await expect(client.getTask('t-1')).rejects.toBeInstanceOf(RequestTimeoutError);
      await expect(client.getTask('t-1', { timeout: TEN_MINUTES })).resolves.toMatchObject({
        status: 'RUNNING',
      });
      await client.close();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('submit, cancelTask, detectImage, listTasks and downloadVideo take it too', async () => {
    const { running, client } = await setUp(0);
    running.faults.next(5, { route: ['submit', 'cancel', 'detect', 'list', 'result'], kind: 'hang' });
    const timedOut = async (call: Promise<unknown>) => {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
    };
    await timedOut(client.submit({ imageUrl: IMAGE, audioUrl: AUDIO }, { timeout: 200 }));
    await timedOut(client.detectImage(IMAGE, { timeout: 200 }));
    await timedOut(client.listTasks({}, { timeout: 200 }).next());
    // cancelTask's follow-up query (not hung) shows the task was not canceled: the timeout surfaces.
    await timedOut(client.cancelTask('t-1', { timeout: 200 }));
    const video = `${running.baseURL.replace(/\/api\/v1$/, '')}/results/x.mp4`;
    const failed = await client
      .downloadVideo(video, `${process.cwd()}/never-${Date.now()}.mp4`, { timeout: 200 })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MediaUnreachableError);
    expect(String((failed as Error).message)).toMatch(/timeout/i);
  });
});

describe('bad overrides are refused before anything is sent', () => {
  it.each([
    [{ timeout: 0 }, 'timeout'],
    [{ timeout: -5 }, 'timeout'],
    [{ timeout: Number.NaN }, 'timeout'],
    [{ maxRetries: 1.5 }, 'maxRetries'],
    [{ maxRetries: -1 }, 'maxRetries'],
  ])('%o', async (options, path) => {
    const { running, client } = await setUp(0);
    const error = await client.getTask('t-1', options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([path]);
    expect(() => client.listTasks({}, options)).toThrow(ValidationError);
    await expect(client.submit({ imageUrl: IMAGE, audioUrl: AUDIO }, options)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(running.stats.requests).toBe(0);
  });
});
