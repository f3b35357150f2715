/**
 * `systemSleep`, the one real-time sleep of the SDK and of fleet mode: what keeps a process alive is
 * read from Node's own list of active resources, and time is driven by fake timers, so no verdict
 * depends on the machine's speed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemSleep } from '../../src/internal/time.js';

/** Timers that keep the event loop alive (Node lists only those). */
const keepingAlive = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;

afterEach(() => {
  vi.useRealTimers();
});

describe('systemSleep', () => {
  it('keeps the process alive while pending, unless keepAlive is false', async () => {
    const before = keepingAlive();
    const stop = new AbortController();
    const pending = [systemSleep(60_000, stop.signal), systemSleep(60_000, stop.signal, { keepAlive: true })];
    expect(keepingAlive()).toBe(before + 2);
    const idle = systemSleep(60_000, stop.signal, { keepAlive: false });
    expect(keepingAlive()).toBe(before + 2);
    stop.abort(new Error('done'));
    await Promise.allSettled([...pending, idle]);
    expect(keepingAlive()).toBe(before);
  });

  it('resolves after ms, with or without keepAlive', async () => {
    vi.useFakeTimers();
    let resolved = 0;
    void systemSleep(1_000).then(() => resolved++);
    void systemSleep(1_000, undefined, { keepAlive: false }).then(() => resolved++);
    await vi.advanceTimersByTimeAsync(999);
    expect(resolved).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the signal’s reason, at once when already aborted, and leaves no timer', async () => {
    vi.useFakeTimers();
    const reason = new Error('stop');
    await expect(systemSleep(1_000, AbortSignal.abort(reason), { keepAlive: false })).rejects.toBe(reason);
    const stop = new AbortController();
    const sleeping = systemSleep(1_000, stop.signal, { keepAlive: false });
    stop.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });
});
