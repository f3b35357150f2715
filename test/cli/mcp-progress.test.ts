/**
 * Progress of one waiting MCP call, on fake time: sent only with a progress token, on every status
 * change and on every heartbeat, always increasing, never after stop().
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startProgress } from '../../src/cli/mcp/progress.js';

type Sent = { method: string; params: { progressToken: unknown; progress: number; message?: string } };

function fakeExtra(progressToken: string | number | undefined) {
  const sent: Sent['params'][] = [];
  const extra = {
    _meta: progressToken === undefined ? undefined : { progressToken },
    sendNotification: async (notification: unknown) => {
      sent.push((notification as Sent).params);
    },
  };
  return { extra, sent };
}

let now = 0;
beforeEach(() => {
  vi.useFakeTimers();
  now = 1_000_000;
});
afterEach(() => vi.useRealTimers());

describe('startProgress', () => {
  it('sends status changes at once and heartbeats in between, with the elapsed seconds as progress', () => {
    const { extra, sent } = fakeExtra('tok-1');
    const progress = startProgress(extra, { now: () => now, intervalMs: 10_000, initial: 'submitting' });
    now += 2_000;
    vi.advanceTimersByTime(2_000);
    expect(sent).toEqual([]);
    progress.update('task-1', 'PENDING');
    expect(sent).toEqual([
      { progressToken: 'tok-1', progress: 2, message: 'task task-1 PENDING, 2 s elapsed' },
    ]);
    progress.update('task-1', 'PENDING');
    expect(sent).toHaveLength(1);
    now += 8_000;
    vi.advanceTimersByTime(8_000);
    expect(sent.at(-1)).toEqual({
      progressToken: 'tok-1',
      progress: 10,
      message: 'task task-1 PENDING, 10 s elapsed',
    });
    progress.update('task-1', 'RUNNING');
    expect(sent.at(-1)?.message).toBe('task task-1 RUNNING, 10 s elapsed');
    expect(sent.at(-1)?.progress).toBeGreaterThan(10);
    expect(progress).toMatchObject({ taskId: 'task-1', status: 'RUNNING' });
    progress.stop();
    progress.update('task-1', 'SUCCEEDED');
    vi.advanceTimersByTime(60_000);
    expect(sent).toHaveLength(3);
  });

  it('a heartbeat before the task exists says what the call is doing', () => {
    const { extra, sent } = fakeExtra(7);
    const progress = startProgress(extra, {
      now: () => now,
      intervalMs: 1_000,
      initial: 'checking and submitting',
    });
    now += 1_000;
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([
      { progressToken: 7, progress: 1, message: 'checking and submitting, 1 s elapsed' },
    ]);
    progress.stop();
  });

  it('sends nothing without a progress token, but still tracks the task', () => {
    const { extra, sent } = fakeExtra(undefined);
    const progress = startProgress(extra, { now: () => now, intervalMs: 1_000, initial: 'submitting' });
    progress.update('task-2', 'PENDING');
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([]);
    expect(progress).toMatchObject({ taskId: 'task-2', status: 'PENDING' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with no interval, only status changes are sent', () => {
    const { extra, sent } = fakeExtra('tok');
    const progress = startProgress(extra, { now: () => now, intervalMs: null, initial: 'submitting' });
    vi.advanceTimersByTime(60_000);
    progress.update('task-3', 'RUNNING');
    expect(sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
