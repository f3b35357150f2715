import { describe, expect, it, vi } from 'vitest';
import { AbortError } from '../../src/index.js';
import { AUDIO, clientFor, emulator, IMAGE } from '../helpers/setup.js';
import { EVENTUALLY } from '../helpers/timing.js';

describe('maxConcurrentJobs', () => {
  it('keeps at most N generateVideo jobs alive at once; the rest queue in the client', async () => {
    // Jobs long enough to overlap although submits are paced (10/s by default).
    const running = await emulator({ queueMs: 30, runMs: 1_000 });
    const client = clientFor(running, { maxConcurrentJobs: 2 });
    let alive = 0;
    let mostAlive = 0;
    const jobs = Array.from({ length: 6 }, () =>
      client
        .generateVideo(IMAGE, AUDIO, {
          onSubmitted: () => {
            alive++;
            mostAlive = Math.max(mostAlive, alive);
          },
        })
        .finally(() => alive--),
    );
    const videos = await Promise.all(jobs);
    expect(videos).toHaveLength(6);
    expect(mostAlive).toBe(2);
    expect(running.stats.tasksCreated).toBe(6);
  });

  it('a job waiting for a slot can be aborted, and then never submits', async () => {
    const running = await emulator({ queueMs: 60_000 });
    const client = clientFor(running, { maxConcurrentJobs: 1 });
    const first = new AbortController();
    const holder = client.generateVideo(IMAGE, AUDIO, { signal: first.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(running.stats.tasksCreated).toBe(1), EVENTUALLY);
    const second = new AbortController();
    const queued = client.generateVideo(IMAGE, AUDIO, { signal: second.signal }).catch((e: unknown) => e);
    second.abort(new Error('changed my mind'));
    expect(await queued).toBeInstanceOf(AbortError);
    first.abort();
    expect(await holder).toBeInstanceOf(AbortError);
    expect(running.stats.tasksCreated).toBe(1);
  });
});
