import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { AbortError, LivePortraitClient, type LivePortraitError } from '../../src/index.js';
import { API_KEY, AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';
import { EVENTUALLY, PROMPT_MS } from '../helpers/timing.js';
import { activeHandles, leakedSince } from '../reliability/leaks.js';

const input = { imageUrl: IMAGE, audioUrl: AUDIO };

/** Resolves with how long `promise` took to reject after `trigger()` ran, and the rejection. */
async function rejectionDelay(promise: Promise<unknown>, trigger: () => void) {
  const settled = promise.then(
    () => ({ error: undefined as unknown, at: performance.now() }),
    (error: unknown) => ({ error, at: performance.now() }),
  );
  const start = performance.now();
  trigger();
  const { error, at } = await settled;
  return { error, ms: at - start };
}

describe('abort', () => {
  it.each([
    ['detectImage', (c: LivePortraitClient, signal: AbortSignal) => c.detectImage(IMAGE, { signal })],
    ['submit', (c: LivePortraitClient, signal: AbortSignal) => c.submit(input, { signal })],
    ['getTask', (c: LivePortraitClient, signal: AbortSignal) => c.getTask('t-1', { signal })],
    ['cancelTask', (c: LivePortraitClient, signal: AbortSignal) => c.cancelTask('t-1', { signal })],
    ['waitForTask', (c: LivePortraitClient, signal: AbortSignal) => c.waitForTask('t-1', { signal })],
    [
      'generateVideo',
      (c: LivePortraitClient, signal: AbortSignal) => c.generateVideo(IMAGE, AUDIO, { signal }),
    ],
  ])('an already-aborted signal rejects %s before any request', async (_, call) => {
    const running = await emulator();
    const reason = new Error('stop');
    const error = await call(clientFor(running), AbortSignal.abort(reason)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(running.stats.requests).toBe(0);
  });

  it('an abort between polls rejects at once, with the reason as cause', async () => {
    const running = await emulator({ queueMs: 600_000 });
    const controller = new AbortController();
    const client = clientFor(running, { pollSchedule: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } });
    const wait = client.generateVideo(IMAGE, AUDIO, { signal: controller.signal });
    await vi.waitFor(() => expect(running.stats.tasksCreated).toBe(1), EVENTUALLY);
    const reason = new Error('user stop');
    const { error, ms } = await rejectionDelay(wait, () => controller.abort(reason));
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it('an abort during a hung poll rejects at once, not at the request timeout', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'hang' });
    const controller = new AbortController();
    const wait = clientFor(running).waitForTask('t-1', { signal: controller.signal });
    await vi.waitFor(() => expect(running.faults.pending).toBe(0), EVENTUALLY);
    const { error, ms } = await rejectionDelay(wait, () => controller.abort());
    expect(error).toBeInstanceOf(AbortError);
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it('an abort during a retry wait rejects at once, not after Retry-After', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    const call = clientFor(running, { maxRetryDelay: 60_000 }).getTask('t-1', { signal: controller.signal });
    await vi.waitFor(() => expect(running.stats.byRoute.query).toBe(1), EVENTUALLY);
    const { error, ms } = await rejectionDelay(call, () => controller.abort());
    expect(error).toBeInstanceOf(AbortError);
    expect(ms).toBeLessThan(PROMPT_MS);
  });
});

describe('nothing is left behind', () => {
  it('no timer or socket survives success, failure, timeout, abort and retries', async () => {
    const before = activeHandles();
    const running = await emulator({ queueMs: 100 });
    const client = clientFor(running);
    // Only the hung requests need a short timeout; every answered one gets the default, which a
    // loaded machine cannot miss.
    const impatient = clientFor(running, { timeout: 100 });
    await client.generateVideo(IMAGE, AUDIO);
    await client.generateVideo(IMAGE, 'https://example.com/fail.mp3').catch(() => {});
    await client.generateVideo(IMAGE, AUDIO, { timeout: 30 }).catch(() => {});
    const controller = new AbortController();
    const aborted = client.generateVideo(IMAGE, AUDIO, { signal: controller.signal }).catch(() => {});
    controller.abort();
    await aborted;
    running.faults.next(2, { route: 'query', kind: 'hang' });
    await impatient.getTask('t-1').catch(() => {});
    running.faults.next(2, { route: 'query', kind: 'status', status: 503 });
    await client.getTask('t-1');
    await impatient.close();
    await client.close();
    await running.close();
    expect(await leakedSince(before)).toEqual([]);
  });

  it('close() is idempotent', async () => {
    const client = clientFor(await emulator());
    await client.close();
    await expect(client.close()).resolves.toBeUndefined();
  });
});

describe('the API key never leaks', () => {
  async function collectErrors(): Promise<LivePortraitError[]> {
    const running = await emulator({ queueMs: 60_000 });
    // The default request timeout, so no answered request becomes a RequestTimeoutError on a loaded
    // machine and the error classes stay those meant; only the hung detect gets a short one.
    const client = clientFor(running, { maxRetries: 0 });
    const impatient = clientFor(running, { timeout: 100, maxRetries: 0 });
    const wrongKey = clientFor(running, { apiKey: `${API_KEY}-wrong` });
    const calls: Array<Promise<unknown>> = [
      wrongKey.getTask('t-1'),
      client.generateVideo('bad', AUDIO),
      client.generateVideo(IMAGE, AUDIO, { timeout: 20 }),
      client.getTask('t-1', { signal: AbortSignal.abort() }),
    ];
    running.faults.next(1, { route: 'detect', kind: 'hang' });
    calls.push(impatient.detectImage(IMAGE));
    const refused = new LivePortraitClient({
      apiKey: API_KEY,
      baseURL: 'http://127.0.0.1:9/api/v1',
      maxRetries: 0,
    });
    calls.push(refused.getTask('t-1').finally(() => refused.close()));
    const errors = await Promise.all(
      calls.map((call) =>
        call.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    running.faults.next(1, { route: 'query', kind: 'status', status: 429 });
    errors.push(await client.getTask('t-1').catch((e: unknown) => e));
    return errors as LivePortraitError[];
  }

  it('in no message, stack, JSON or inspect output of any error class', async () => {
    const errors = await collectErrors();
    expect(new Set(errors.map((e) => e.constructor.name)).size).toBeGreaterThanOrEqual(6);
    for (const error of errors) {
      for (const text of [error.message, error.stack, JSON.stringify(error), inspect(error, { depth: 10 })]) {
        expect(text).not.toContain(API_KEY);
      }
    }
  });

  it('not in inspect or JSON output of the client, nor in debug logs', async () => {
    const running = await emulator();
    const lines: string[] = [];
    const client = clientFor(running, {
      logger: { debug: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`) },
    });
    running.faults.next(1, { route: 'query', kind: 'status', status: 503 });
    await client.getTask('t-1');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const text of [inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client), ...lines]) {
      expect(text).not.toContain(API_KEY);
    }
  });
});

describe('close() with waits still open', () => {
  it('ends them at once with AbortError instead of polling a closed pool until the deadline', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const client = new LivePortraitClient({ apiKey: API_KEY, baseURL: running.baseURL });
    const waits = [
      client.generateVideo(IMAGE, AUDIO).catch((e: unknown) => e),
      client.generateVideo(IMAGE, AUDIO).catch((e: unknown) => e),
    ];
    await vi.waitFor(() => expect(running.stats.tasksCreated).toBe(2), EVENTUALLY);
    const closedAt = performance.now();
    await client.close();
    for (const outcome of await Promise.all(waits)) {
      expect(outcome).toBeInstanceOf(AbortError);
      expect((outcome as Error).message).toMatch(/closed/);
    }
    expect(performance.now() - closedAt).toBeLessThan(PROMPT_MS);
    await expect(client.waitForTask('t-1')).rejects.toBeInstanceOf(AbortError);
  });
});
