import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { AbortError, LivePortraitClient, type LivePortraitError } from '../../src/index.js';
import { API_KEY, AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';

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

  it('an abort between polls rejects within 50 ms, with the reason as cause', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const controller = new AbortController();
    const client = clientFor(running, { pollSchedule: { initialMs: 10_000, maxMs: 10_000, jitter: 0 } });
    const wait = client.generateVideo(IMAGE, AUDIO, { signal: controller.signal });
    await vi.waitFor(() => expect(running.stats.tasksCreated).toBe(1));
    const reason = new Error('user stop');
    const { error, ms } = await rejectionDelay(wait, () => controller.abort(reason));
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(ms).toBeLessThan(50);
  });

  it('an abort during a hung poll rejects within 50 ms', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'hang' });
    const controller = new AbortController();
    const wait = clientFor(running).waitForTask('t-1', { signal: controller.signal });
    await vi.waitFor(() => expect(running.faults.pending).toBe(0));
    const { error, ms } = await rejectionDelay(wait, () => controller.abort());
    expect(error).toBeInstanceOf(AbortError);
    expect(ms).toBeLessThan(50);
  });

  it('an abort during a retry wait rejects within 50 ms', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    const call = clientFor(running, { maxRetryDelay: 60_000 }).getTask('t-1', { signal: controller.signal });
    await vi.waitFor(() => expect(running.stats.byRoute.query).toBe(1));
    const { error, ms } = await rejectionDelay(call, () => controller.abort());
    expect(error).toBeInstanceOf(AbortError);
    expect(ms).toBeLessThan(50);
  });
});

describe('nothing is left behind', () => {
  /** Live timers and sockets by kind. */
  const handles = () => {
    const counts: Record<string, number> = { Timeout: 0, TCPSocketWrap: 0, TCPServerWrap: 0 };
    for (const kind of process.getActiveResourcesInfo())
      if (kind in counts) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  };
  const grown = (before: Record<string, number>) =>
    Object.entries(handles()).filter(([kind, count]) => count > (before[kind] ?? 0));

  it('no timer or socket survives success, failure, timeout, abort and retries', async () => {
    const before = handles();
    const running = await emulator({ queueMs: 100 });
    const client = clientFor(running, { timeout: 100 });
    await client.generateVideo(IMAGE, AUDIO);
    await client.generateVideo(IMAGE, 'https://example.com/fail.mp3').catch(() => {});
    await client.generateVideo(IMAGE, AUDIO, { timeout: 30 }).catch(() => {});
    const controller = new AbortController();
    const aborted = client.generateVideo(IMAGE, AUDIO, { signal: controller.signal }).catch(() => {});
    controller.abort();
    await aborted;
    running.faults.next(2, { route: 'query', kind: 'hang' });
    await client.getTask('t-1').catch(() => {});
    running.faults.next(2, { route: 'query', kind: 'status', status: 503 });
    await client.getTask('t-1');
    await client.close();
    await running.close();
    // Polled on setImmediate, not vi.waitFor: waitFor's own timer would count as a Timeout. Up to 3 s,
    // because closing sockets settle over several event-loop turns on a loaded machine.
    const giveUpAt = performance.now() + 3_000;
    while (grown(before).length > 0 && performance.now() < giveUpAt) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(grown(before)).toEqual([]);
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
    const client = clientFor(running, { timeout: 100, maxRetries: 0 });
    const wrongKey = clientFor(running, { apiKey: `${API_KEY}-wrong` });
    const calls: Array<Promise<unknown>> = [
      wrongKey.getTask('t-1'),
      client.generateVideo('bad', AUDIO),
      client.generateVideo(IMAGE, AUDIO, { timeout: 20 }),
      client.getTask('t-1', { signal: AbortSignal.abort() }),
    ];
    running.faults.next(1, { route: 'detect', kind: 'hang' });
    calls.push(client.detectImage(IMAGE));
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
    await vi.waitFor(() => expect(running.stats.tasksCreated).toBe(2));
    const closedAt = performance.now();
    await client.close();
    for (const outcome of await Promise.all(waits)) {
      expect(outcome).toBeInstanceOf(AbortError);
      expect((outcome as Error).message).toMatch(/closed/);
    }
    expect(performance.now() - closedAt).toBeLessThan(1_000);
    await expect(client.waitForTask('t-1')).rejects.toBeInstanceOf(AbortError);
  });
});
