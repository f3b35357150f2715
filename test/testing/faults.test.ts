/** Faults on demand, through a real socket: every kind, matching, counting and the seeded random mode. */
import { describe, expect, it, vi } from 'vitest';
import { EVENTUALLY } from '../helpers/timing.js';
import { AUDIO, harness, IMAGE, SUBMIT_PATH, UUID } from './helpers.js';

const ASYNC = { 'x-dashscope-async': 'enable' };
const BODY = { model: 'liveportrait', input: { image_url: IMAGE, audio_url: AUDIO } };

describe('faults', () => {
  it('status: the next N matching requests get it, with DashScope error JSON by default', async () => {
    const { call, emu } = await harness();
    emu.faults.next(2, { route: 'query', kind: 'status', status: 503 });
    expect((await call('GET', '/tasks')).status).toBe(200); // list: another route
    const first = await call('GET', '/tasks/a');
    expect(first.status).toBe(503);
    expect(first.json).toEqual({
      code: 'ModelUnavailable',
      message: expect.any(String),
      request_id: expect.stringMatching(UUID),
    });
    expect((await call('GET', '/tasks/b')).status).toBe(503);
    expect((await call('GET', '/tasks/c')).status).toBe(200);
    expect(emu.faults.pending).toBe(0);
    expect(emu.stats.faultsInjected).toBe(2);
    expect(emu.log.filter((entry) => entry.fault === 'status')).toHaveLength(2);
  });

  it('status: custom code, message, raw body and headers', async () => {
    const { call, emu } = await harness();
    emu.faults.next(1, {
      kind: 'status',
      status: 429,
      code: 'Throttling.AllocationQuota',
      message: 'quota',
      headers: { 'retry-after': '7' },
    });
    emu.faults.next(1, {
      kind: 'status',
      status: 500,
      body: 'plain text',
      headers: { 'content-type': 'text/plain' },
    });
    const throttled = await call('GET', '/tasks/a');
    expect([throttled.status, throttled.headers['retry-after'], throttled.json.code]).toEqual([
      429,
      '7',
      'Throttling.AllocationQuota',
    ]);
    const raw = await call('GET', '/tasks/a');
    expect([raw.status, raw.text, raw.headers['content-type']]).toEqual([500, 'plain text', 'text/plain']);
  });

  it('matches by method and predicate too', async () => {
    const { call, emu, submit } = await harness();
    const taskId = await submit();
    emu.faults.next(1, {
      method: 'POST',
      match: ({ path }) => path.endsWith('/cancel'),
      kind: 'status',
      status: 500,
    });
    expect((await call('GET', `/tasks/${taskId}`)).status).toBe(200);
    expect((await call('POST', `/tasks/${taskId}/cancel`)).status).toBe(500);
  });

  it('html: a gateway HTML page, 502 by default', async () => {
    const { call, emu } = await harness();
    emu.faults.next(1, { kind: 'html' });
    emu.faults.next(1, { kind: 'html', status: 504 });
    const bad = await call('GET', '/tasks/a');
    expect([bad.status, bad.headers['content-type']]).toEqual([502, 'text/html']);
    expect(bad.text).toContain('<h1>502 Bad Gateway</h1>');
    expect((await call('GET', '/tasks/a')).text).toContain('504 Gateway Time-out');
  });

  it('malformed-json: 200 application/json that does not parse', async () => {
    const { call, emu } = await harness();
    emu.faults.next(1, { kind: 'malformed-json' });
    const answer = await call('GET', '/tasks/a');
    expect([answer.status, answer.headers['content-type'], answer.json]).toEqual([
      200,
      'application/json',
      undefined,
    ]);
  });

  it('error-200: HTTP 200 with an error code body', async () => {
    const { call, emu } = await harness();
    emu.faults.next(1, { kind: 'error-200', code: 'InvalidParameter', message: 'bad' });
    const answer = await call('GET', '/tasks/a');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      code: 'InvalidParameter',
      message: 'bad',
      request_id: expect.stringMatching(UUID),
    });
  });

  it('reset-before-body: the connection is reset and the submit does nothing', async () => {
    const { call, emu } = await harness();
    emu.faults.next(1, { route: 'submit', kind: 'reset-before-body' });
    await expect(call('POST', SUBMIT_PATH, { headers: ASYNC, body: BODY })).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET|EPIPE/),
    });
    expect(emu.stats.tasksCreated).toBe(0);
    expect(emu.log.at(-1)).toMatchObject({ route: 'submit', status: 0, fault: 'reset-before-body' });
    expect((await call('POST', SUBMIT_PATH, { headers: ASYNC, body: BODY })).status).toBe(200);
  });

  it('reset-after-body: the submit creates its task, then the answer is lost to a reset', async () => {
    const { call, emu } = await harness();
    emu.faults.next(1, { route: 'submit', kind: 'reset-after-body' });
    await expect(call('POST', SUBMIT_PATH, { headers: ASYNC, body: BODY })).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/),
    });
    expect(emu.stats.tasksCreated).toBe(1);
    expect(emu.tasks.all()[0]).toMatchObject({ status: 'PENDING', imageUrl: IMAGE });
  });

  it('hang: never answers until the client gives up; the emulator stays usable', async () => {
    const { call, emu } = await harness();
    emu.faults.next(1, { route: 'query', kind: 'hang' });
    let settled = false;
    const hung = call('GET', '/tasks/a').then(
      () => 'answered',
      (error: { code?: string }) => error.code,
    );
    void hung.then(() => {
      settled = true;
    });
    await vi.waitFor(
      () => expect(emu.log.at(-1)).toMatchObject({ route: 'query', status: 0, fault: 'hang' }),
      EVENTUALLY,
    );
    // Another request is answered meanwhile (on another connection: the hung one is busy).
    expect((await call('GET', '/tasks/b')).status).toBe(200);
    expect(settled).toBe(false);
    await emu.close(); // ends the hung request too
    expect(await hung).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
  });

  it('random mode is deterministic for a seed and can be stopped', async () => {
    const { call, emu } = await harness({ rateLimits: { query: false } });
    const run = async () => {
      emu.faults.random({
        seed: 42,
        probability: 0.3,
        route: 'query',
        faults: [{ kind: 'status', status: 500 }],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await call('GET', '/tasks/a')).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failures = first.filter((status) => status === 500).length;
    expect(failures).toBeGreaterThan(4);
    expect(failures).toBeLessThan(24);
    emu.faults.random(false);
    expect((await call('GET', '/tasks/a')).status).toBe(200);
  });

  it('clear() drops queued faults; reset() clears everything', async () => {
    const { call, emu, submit } = await harness();
    emu.faults.next(5, { kind: 'status', status: 500 });
    emu.faults.clear();
    await submit();
    expect((await call('GET', '/tasks/a')).status).toBe(200);
    emu.reset();
    expect(emu.stats).toMatchObject({ requests: 0, tasksCreated: 0, faultsInjected: 0 });
    expect(emu.log).toEqual([]);
  });
});
