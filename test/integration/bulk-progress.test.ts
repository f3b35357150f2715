/**
 * In bulk mode a wait learns its task's statuses from the sweeps of the task list, not from polls of
 * its own: every status a sweep saw reaches `onProgress`, `RUNNING` included. The emulator runs on a
 * manual clock, so each status lasts until the test moves on.
 */
import { describe, expect, it, vi } from 'vitest';
import { createLocalCoordinator } from '../../src/index.js';
import { systemTime } from '../../src/internal/time.js';
import { createManualClock } from '../../src/testing/index.js';
import { AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';

describe('onProgress in bulk mode', () => {
  it('reports PENDING, RUNNING and SUCCEEDED for every job, from the sweeps', async () => {
    const clock = createManualClock();
    const running = await emulator({ now: clock.now, queueMs: 10_000, runMs: 10_000 });
    // The SDK places list windows on the same wall clock as the emulator's task times.
    const time = { ...systemTime, wallNow: clock.now };
    const client = clientFor(running, { coordinator: createLocalCoordinator({ time, sweepIntervalMs: 10 }) });
    const events: Record<string, string[]> = { first: [], second: [] };
    const jobs = Object.keys(events).map((name) =>
      client.generateVideo(IMAGE, `${AUDIO}?${name}`, { onProgress: (e) => events[name]?.push(e.status) }),
    );
    const saw = (status: string) => () =>
      expect(Object.values(events).every((seen) => seen.includes(status))).toBe(true);
    await vi.waitFor(saw('PENDING'), { timeout: 10_000 });
    clock.advance(15_000);
    await vi.waitFor(saw('RUNNING'), { timeout: 10_000 });
    clock.advance(10_000);
    await Promise.all(jobs);
    expect(events).toEqual({
      first: ['PENDING', 'RUNNING', 'SUCCEEDED'],
      second: ['PENDING', 'RUNNING', 'SUCCEEDED'],
    });
    expect(running.stats.byRoute.list ?? 0).toBeGreaterThan(0);
  });
});
