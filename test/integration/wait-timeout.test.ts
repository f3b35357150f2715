/**
 * `generateVideo(…, { timeout })` that runs out before any poll has answered still names the status
 * submit reported (`PENDING`), not "no status seen". Time is manual: the deadline passes when the test
 * says so, and no poll is ever due before it.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLocalCoordinator, WaitTimeoutError } from '../../src/index.js';
import { createFakeTime } from '../helpers/fake-time.js';
import { AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';

describe('WaitTimeoutError.lastStatus', () => {
  it('is PENDING when the deadline passes before the first poll, since submit said so', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const manual = createFakeTime();
    const client = clientFor(running, {
      coordinator: createLocalCoordinator({ time: manual }),
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
    await manual.advance(100);
    const error = (await outcome) as WaitTimeoutError;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.lastStatus).toBe('PENDING');
    expect(error.message).toContain('last status PENDING');
    expect(running.stats.byRoute.query ?? 0).toBe(0);
  });
});
