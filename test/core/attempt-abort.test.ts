import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AttemptAbort } from '../../src/internal/attempt-abort.js';

describe('AttemptAbort', () => {
  it('fires once, with the first reason', () => {
    const abort = new AttemptAbort();
    const fired: unknown[] = [];
    abort.once('abort', () => fired.push(abort.reason));
    abort.abort('timeout');
    abort.abort('again');
    expect(abort.aborted).toBe(true);
    expect(fired).toEqual(['timeout']);
  });

  it("follows the caller's signal until released, and leaves no listener on it", () => {
    const caller = new AbortController();
    const followed = new AttemptAbort(caller.signal);
    followed.release();
    const released = new AttemptAbort(caller.signal);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    caller.abort('stop');
    expect(released.reason).toBe('stop');
    expect(followed.aborted).toBe(false);
    released.release();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('starts aborted when the caller already aborted', () => {
    const caller = new AbortController();
    caller.abort('early');
    const abort = new AttemptAbort(caller.signal);
    expect([abort.aborted, abort.reason]).toEqual([true, 'early']);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });
});
