import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  ConnectionError,
  InternalServerError,
  LivePortraitClient,
  RateLimitError,
  RequestTimeoutError,
} from '../../src/index.js';
import { API_KEY, AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';
import { EVENTUALLY } from '../helpers/timing.js';

const input = { imageUrl: IMAGE, audioUrl: AUDIO };

/** A loopback port with nothing listening: connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('retries of idempotent calls', () => {
  it.each([408, 429, 500, 502, 503, 504])('HTTP %i is retried, then succeeds', async (status) => {
    const running = await emulator();
    const client = clientFor(running);
    running.faults.next(2, { route: 'detect', kind: 'status', status });
    await expect(client.detectImage(IMAGE)).resolves.toMatchObject({ pass: true });
    expect(running.stats.byRoute.detect).toBe(3);
  });

  it('stops after maxRetries and surfaces the typed error', async () => {
    const running = await emulator();
    running.faults.next(10, { route: 'query', kind: 'status', status: 503 });
    await expect(clientFor(running, { maxRetries: 3 }).getTask('t-1')).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(running.stats.byRoute.query).toBe(4);
  });

  it('maxRetries: 0 sends exactly once', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'status', status: 500 });
    await expect(clientFor(running, { maxRetries: 0 }).getTask('t-1')).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(running.stats.byRoute.query).toBe(1);
  });

  it('socket resets and malformed gateway pages are retried', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'reset-before-body' });
    running.faults.next(1, { route: 'query', kind: 'html', status: 502 });
    await expect(clientFor(running).getTask('no-such')).resolves.toMatchObject({ status: 'UNKNOWN' });
    expect(running.stats.byRoute.query).toBe(3);
  });

  it('honors Retry-After', async () => {
    const running = await emulator();
    running.faults.next(1, {
      route: 'query',
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '0.3' },
    });
    const started = performance.now();
    await clientFor(running, { maxRetryDelay: 60_000 }).getTask('t-1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('clamps Retry-After by maxRetryDelay', async () => {
    const running = await emulator();
    running.faults.next(1, {
      route: 'query',
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '3600' },
    });
    const started = performance.now();
    await clientFor(running, { maxRetryDelay: 20 }).getTask('t-1');
    expect(performance.now() - started).toBeLessThan(10_000); // not an hour: generous bound
  });

  it('a 429 that outlasts the retries is a RateLimitError with retryAfterMs', async () => {
    const running = await emulator();
    running.faults.next(5, { route: 'query', kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const error = await clientFor(running, { maxRetries: 1 })
      .getTask('t-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(2_000);
  });

  it('a hung request times out per attempt and is retried', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'hang' });
    // The answered retry must beat `timeout` too: 1 s, which a loaded machine cannot miss (100 ms, it
    // sometimes did). One retry keeps the hung attempts, 1 s each, to three.
    const client = clientFor(running, { timeout: 1_000, maxRetries: 1 });
    await expect(client.getTask('no-such')).resolves.toMatchObject({ status: 'UNKNOWN' });
    running.faults.next(2, { route: 'query', kind: 'hang' });
    const error = await client.getTask('no-such').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toBeInstanceOf(ConnectionError);
  });
});

describe('submit is never retried where a job may exist', () => {
  it('a reset after the request was received: one job, a ConnectionError, no second submit', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'submit', kind: 'reset-after-body' });
    await expect(clientFor(running).submit(input)).rejects.toBeInstanceOf(ConnectionError);
    expect(running.stats.byRoute.submit).toBe(1);
    expect(running.stats.tasksCreated).toBe(1);
  });

  it.each([500, 502, 503, 504])('HTTP %i on submit is not retried', async (status) => {
    const running = await emulator();
    running.faults.next(1, { route: 'submit', kind: 'status', status });
    await expect(clientFor(running).submit(input)).rejects.toBeInstanceOf(InternalServerError);
    expect(running.stats.byRoute.submit).toBe(1);
  });

  it('a timeout on submit is not retried', async () => {
    const running = await emulator();
    running.faults.next(1, { route: 'submit', kind: 'hang' });
    const retries: unknown[] = [];
    const logger = { debug: (message: string) => message === 'retrying' && retries.push(message) };
    await expect(clientFor(running, { timeout: 100, logger }).submit(input)).rejects.toBeInstanceOf(
      RequestTimeoutError,
    );
    expect(retries).toEqual([]);
    // The emulator logs a hung request when its socket closes, a moment after the client gave up.
    await vi.waitFor(() => expect(running.stats.byRoute.submit).toBe(1), EVENTUALLY);
  });

  it('a 429 on submit is retried: DashScope created nothing', async () => {
    const running = await emulator();
    running.faults.next(2, { route: 'submit', kind: 'status', status: 429, code: 'Throttling.RateQuota' });
    await expect(clientFor(running).submit(input)).resolves.toMatchObject({ status: 'PENDING' });
    expect(running.stats.byRoute.submit).toBe(3);
    expect(running.stats.tasksCreated).toBe(1);
  });

  it('a refused connection on submit is retried: the request never left', async () => {
    const port = await closedPort();
    const attempts: unknown[] = [];
    const client = new LivePortraitClient({
      apiKey: API_KEY,
      baseURL: `http://127.0.0.1:${port}/api/v1`,
      maxRetries: 2,
      maxRetryDelay: 5,
      logger: { debug: (message, fields) => message === 'retrying' && attempts.push(fields) },
    });
    try {
      await expect(client.submit(input)).rejects.toBeInstanceOf(ConnectionError);
      expect(attempts).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
