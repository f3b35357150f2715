/** The node:http bridge: keep-alive, unread bodies, close() leaving nothing behind, and the bin. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import { parseListTime } from '../../src/internal/time.js';
import { createManualClock, formatTaskTime, startEmulator } from '../../src/testing/index.js';
import { EVENTUALLY } from '../helpers/timing.js';
import { SUBMIT_PATH } from './helpers.js';

const handles = (kind: 'TCPServerWrap' | 'TCPSocketWrap') =>
  process.getActiveResourcesInfo().filter((name) => name === kind).length;

describe('startEmulator', () => {
  it('listens on 127.0.0.1 with a random port by default; baseURL ends in /api/v1', async () => {
    const emu = await startEmulator();
    try {
      expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.baseURL).toBe(`${emu.url}/api/v1`);
    } finally {
      await emu.close();
    }
  });

  it('serves many requests on one keep-alive connection, including POSTs whose body it never reads', async () => {
    const emu = await startEmulator({ apiKeys: ['sk-test'] });
    const agent = new Agent({ connections: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        // 401 is decided before the body is read: the bridge must still drain it for the next request.
        const denied = await request(`${emu.baseURL}${SUBMIT_PATH}`, {
          method: 'POST',
          headers: { authorization: 'Bearer sk-wrong', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'liveportrait', padding: 'x'.repeat(100_000) }),
          dispatcher: agent,
        });
        expect(denied.statusCode).toBe(401);
        await denied.body.dump();
        const query = await request(`${emu.baseURL}/tasks/x`, {
          headers: { authorization: 'Bearer sk-test' },
          dispatcher: agent,
        });
        expect(query.statusCode).toBe(200);
        await query.body.dump();
      }
    } finally {
      await agent.close();
      await emu.close();
    }
  });

  it('close() destroys idle keep-alive and hung connections and leaves no TCP handles', async () => {
    const before = { servers: handles('TCPServerWrap'), sockets: handles('TCPSocketWrap') };
    const emu = await startEmulator({ apiKeys: ['sk-test'] });
    const agent = new Agent();
    const headers = { authorization: 'Bearer sk-test' };
    const idle = await request(`${emu.baseURL}/tasks/x`, { headers, dispatcher: agent });
    await idle.body.dump(); // the connection stays open, idle, in the agent's pool
    emu.faults.next(1, { kind: 'hang' });
    const hung = request(`${emu.baseURL}/tasks/y`, { headers, dispatcher: agent }).catch(
      (error: Error) => error,
    );
    while (emu.log.length < 2) await new Promise((resolve) => setImmediate(resolve));

    await emu.close();
    expect(handles('TCPServerWrap')).toBe(before.servers);
    expect(await hung).toBeInstanceOf(Error);
    await agent.close();
    // The client's ends close on their own once they read the reset; only they may lag a loop turn.
    await vi.waitFor(() => expect(handles('TCPSocketWrap')).toBe(before.sockets), EVENTUALLY);
    await emu.close(); // idempotent
  });

  it('can serve an emulator created beforehand', async () => {
    const clock = createManualClock();
    const first = await startEmulator({ now: clock.now });
    const second = await startEmulator({ emulator: first.emulator });
    try {
      expect(second.tasks).toBe(first.tasks);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describe('clock helpers', () => {
  it('formats Beijing time without a zone and parses the list format', () => {
    expect(formatTaskTime(Date.UTC(2025, 11, 26, 3, 33, 3, 146))).toBe('2025-12-26 11:33:03.146');
    expect(formatTaskTime(Date.UTC(2025, 11, 31, 16, 0, 0, 5))).toBe('2026-01-01 00:00:00.005');
    expect(parseListTime('20251226113303')).toBe(Date.UTC(2025, 11, 26, 3, 33, 3));
    expect(parseListTime('20250231000000')).toBeUndefined();
    expect(parseListTime('2025122611330')).toBeUndefined();
  });

  it('a manual clock only moves forward through advance()', () => {
    const clock = createManualClock(1000);
    expect(clock.advance(500)).toBe(1500);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    clock.set(10);
    expect(clock.now()).toBe(10);
  });
});

describe('dashscope-liveportrait-emulator (bin)', () => {
  it('prints the base URL, answers, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/testing/bin.ts', '--port', '0', '--time-scale', '0.1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const baseURL = /base URL: (\S+)/.exec(line)?.[1];
      expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
      const answer = await fetch(`${baseURL}/tasks/x`, { headers: { authorization: 'Bearer sk-demo' } });
      expect(answer.status).toBe(200);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects a bad port with exit code 2 and the usage', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/bin.ts', '--port', 'http'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: dashscope-liveportrait-emulator');
  });
});
