/**
 * `generateVideo(…, { timeout })` that runs out before any poll has answered still names the status
 * submit reported (`PENDING`), not "no status seen". Time is manual: the deadline passes when the test
 * says so, and no poll is ever due before it.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from '../../src/index.js';
import type { SchedulerTime } from '../../src/polling/scheduler.js';
import { AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';

/** Scheduler time that moves only on `advance(ms)`, firing the timers that come due. */
function manualSchedulerTime() {
  let now = 0;
  const timers = new Set<{ at: number; callback: () => void }>();
  const time: SchedulerTime = {
    clock: { now: () => now },
    wallNow: () => Date.now(),
    setTimer: (callback, ms) => {
      const timer = { at: now + ms, callback };
      timers.add(timer);
      return timer;
    },
    clearTimer: (handle) => void timers.delete(handle as { at: number; callback: () => void }),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const timer of [...timers].sort((a, b) => a.at - b.at)) {
      if (timer.at > now) break;
      timers.delete(timer);
      timer.callback();
    }
  };
  return { time, advance, pending: () => timers.size };
}

describe('WaitTimeoutError.lastStatus', () => {
  it('is PENDING when the deadline passes before the first poll, since submit said so', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const manual = manualSchedulerTime();
    const client = clientFor(running, {
      schedulerTime: manual.time,
      // The first poll is due long after the deadline: only submit's answer can name the status.
      pollSchedule: { initialMs: 10_000, maxMs: 10_000, factor: 1, jitter: 0 },
    });
    let submitted = false;
    const outcome = client
      .generateVideo(IMAGE, AUDIO, {
        timeout: 100,
        onSubmitted: () => {
          submitted = true;
        },
      })
      .catch((e: unknown) => e);
    // Real I/O (the submit over loopback) has to happen first; manual time does not move meanwhile.
    while (!submitted || manual.pending() === 0) await tick();
    manual.advance(100);
    const error = (await outcome) as WaitTimeoutError;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.lastStatus).toBe('PENDING');
    expect(error.message).toContain('last status PENDING');
    expect(running.stats.byRoute.query ?? 0).toBe(0);
  });
});
