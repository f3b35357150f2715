import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  InternalServerError,
  RateLimitError,
  TaskCanceledError,
  TaskFailedError,
  TaskUnknownError,
  WaitTimeoutError,
} from '../../src/errors.js';
import { systemSleep } from '../../src/internal/time.js';
import type { EndDetector, TaskSighting } from '../../src/polling/ports.js';
import type { Task } from '../../src/schemas.js';
import { type PollSchedule, type ProgressEvent, type WaitDeps, waitForTask } from '../../src/wait.js';

const schedule: PollSchedule = { initialMs: 1_000, maxMs: 4_000, factor: 2, jitter: 0 };

function task(status: string, extra: Record<string, unknown> = {}): Task {
  const known = ['PENDING', 'RUNNING', 'SUSPENDED', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'];
  return {
    taskId: 't-1',
    requestId: `req-${status}`,
    rawStatus: status,
    status: known.includes(status) ? status : 'UNRECOGNIZED',
    ...(status === 'SUCCEEDED'
      ? { videoUrl: 'https://v/x.mp4', videoDuration: 2, videoRatio: 'standard' }
      : {}),
    ...extra,
  } as Task;
}

/** A fetchTask that answers from a script, one entry per poll, and records when each poll happened. */
function scripted(...steps: Array<Task | Error | 'hang'>) {
  const pollTimes: number[] = [];
  const fetchTask = vi.fn(async (signal: AbortSignal): Promise<Task> => {
    pollTimes.push(Date.now());
    const step = steps.length > 1 ? steps.shift() : steps[0];
    if (step === 'hang') {
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
    }
    if (step instanceof Error) throw step;
    return step as Task;
  });
  return { fetchTask, pollTimes };
}

function deps(fetchTask: WaitDeps['fetchTask'], extra: Partial<WaitDeps> = {}): WaitDeps {
  const time = { now: () => Date.now(), sleep: systemSleep };
  return { fetchTask, time, random: () => 0.5, ...extra };
}

const serverError = () =>
  new InternalServerError('boom', { status: 503, code: 'ModelUnavailable', requestId: 'r' });

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  expect(vi.getTimerCount()).toBe(0); // nothing left behind, whatever the outcome
  vi.useRealTimers();
});

describe('waitForTask', () => {
  it('polls until SUCCEEDED and reports each status change once', async () => {
    const { fetchTask, pollTimes } = scripted(
      task('PENDING'),
      task('PENDING'),
      task('RUNNING'),
      task('SUCCEEDED'),
    );
    const events: ProgressEvent[] = [];
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule, onProgress: (e) => events.push(e) });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toMatchObject({ status: 'SUCCEEDED', videoUrl: 'https://v/x.mp4' });
    expect(pollTimes).toEqual([0, 1_000, 3_000, 7_000]); // gaps 1 s, 2 s, 4 s (capped)
    expect(events).toEqual([
      { taskId: 't-1', status: 'PENDING', elapsedMs: 0, polls: 1 },
      { taskId: 't-1', status: 'RUNNING', elapsedMs: 3_000, polls: 3 },
      { taskId: 't-1', status: 'SUCCEEDED', elapsedMs: 7_000, polls: 4 },
    ]);
  });

  it('caps the gap at maxMs and can delay the first poll', async () => {
    const { fetchTask, pollTimes } = scripted(...Array(6).fill(task('RUNNING')), task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule, firstPollAfterMs: 500 });
    await vi.runAllTimersAsync();
    await done;
    expect(pollTimes).toEqual([500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500]);
  });

  it('spreads polls with jitter inside ±jitter of the gap', async () => {
    const { fetchTask, pollTimes } = scripted(task('RUNNING'), task('RUNNING'), task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask, { random: () => 0 }), {
      taskId: 't-1',
      schedule: { ...schedule, jitter: 0.2 },
    });
    await vi.runAllTimersAsync();
    await done;
    expect(pollTimes).toEqual([0, 800, 2_400]);
  });

  it.each([
    [task('FAILED', { code: 'InvalidURL', message: 'cannot download' }), TaskFailedError],
    [task('CANCELED'), TaskCanceledError],
    [task('UNKNOWN'), TaskUnknownError],
  ])('ends with the typed error of a failed end: %#', async (final, ErrorClass) => {
    const { fetchTask } = scripted(task('RUNNING'), final);
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule });
    const assertion = expect(done).rejects.toBeInstanceOf(ErrorClass);
    await vi.runAllTimersAsync();
    await assertion;
  });

  it('FAILED carries the server code, message, task id and request id', async () => {
    const { fetchTask } = scripted(task('FAILED', { code: 'InvalidURL', message: 'cannot download' }));
    const error = await waitForTask(deps(fetchTask), { taskId: 't-1', schedule }).catch((e) => e);
    expect(error).toMatchObject({ taskId: 't-1', code: 'InvalidURL', requestId: 'req-FAILED' });
    expect(error.message).toBe('Task t-1 failed: InvalidURL: cannot download');
  });

  it('keeps waiting through transient poll failures', async () => {
    const reset = new ConnectionError('reset');
    const { fetchTask } = scripted(serverError(), reset, task('RUNNING'), serverError(), task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(fetchTask).toHaveBeenCalledTimes(5);
  });

  it('ends at once on a fatal failure', async () => {
    const fatal = new AuthenticationError('bad key', { status: 401, code: 'InvalidApiKey', requestId: 'r' });
    const { fetchTask } = scripted(task('RUNNING'), fatal, task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule });
    const assertion = expect(done).rejects.toBe(fatal);
    await vi.runAllTimersAsync();
    await assertion;
    expect(fetchTask).toHaveBeenCalledTimes(2);
  });

  it('waits at least as long as a 429 asks before polling again', async () => {
    const throttled = new RateLimitError('slow', {
      status: 429,
      code: 'Throttling',
      requestId: 'r',
      retryAfterMs: 9_000,
    });
    const { fetchTask, pollTimes } = scripted(throttled, task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule });
    await vi.runAllTimersAsync();
    await done;
    expect(pollTimes).toEqual([0, 9_000]);
  });

  it('honors Retry-After on a 503 too, clamped by maxRetryDelay', async () => {
    const unavailable = (retryAfterMs: number) =>
      new InternalServerError('maintenance', {
        status: 503,
        code: 'ModelUnavailable',
        requestId: 'r',
        retryAfterMs,
      });
    const { fetchTask, pollTimes } = scripted(unavailable(2_000), unavailable(3_600_000), task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask, { maxRetryDelay: 7_000 }), { taskId: 't-1', schedule });
    await vi.runAllTimersAsync();
    await done;
    expect(pollTimes).toEqual([0, 2_000, 9_000]);
  });

  it('treats an unrecognized status as not final, logs it once, and never hot-loops', async () => {
    const debug = vi.fn();
    const { fetchTask, pollTimes } = scripted(
      task('WARMING'),
      task('WARMING'),
      task('WARMING'),
      task('SUCCEEDED'),
    );
    const done = waitForTask(deps(fetchTask, { logger: { debug } }), { taskId: 't-1', schedule });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(pollTimes).toEqual([0, 1_000, 3_000, 7_000]);
    expect(debug.mock.calls.filter(([message]) => String(message).includes('unrecognized'))).toHaveLength(1);
  });

  it('gives up at the deadline with the last status, even while a poll hangs', async () => {
    const { fetchTask } = scripted(task('RUNNING'), 'hang');
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule, timeout: 5_000 });
    const assertion = expect(done).rejects.toSatisfy(
      (e) => e instanceof WaitTimeoutError && e.lastStatus === 'RUNNING' && e.taskId === 't-1',
    );
    await vi.advanceTimersByTimeAsync(5_000);
    await assertion;
    expect(Date.now()).toBe(5_000);
  });

  it('does not sleep past the deadline', async () => {
    const { fetchTask } = scripted(task('PENDING'));
    const done = waitForTask(deps(fetchTask), {
      taskId: 't-1',
      schedule: { ...schedule, initialMs: 60_000 },
      timeout: 2_500,
    });
    const assertion = expect(done).rejects.toBeInstanceOf(WaitTimeoutError);
    await vi.advanceTimersByTimeAsync(2_500);
    await assertion;
  });

  it('waits forever with timeout null', async () => {
    const { fetchTask } = scripted(...Array(400).fill(task('RUNNING')), task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule, timeout: null });
    await vi.advanceTimersByTimeAsync(24 * 60 * 60_000);
    await expect(done).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });

  it('an abort during a sleep rejects at once with AbortError carrying the reason', async () => {
    const controller = new AbortController();
    const { fetchTask } = scripted(task('RUNNING'));
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1_500);
    const reason = new Error('user stop');
    controller.abort(reason);
    await expect(done).rejects.toSatisfy((e) => e instanceof AbortError && e.cause === reason);
    expect(Date.now()).toBe(1_500);
  });

  it('an abort during a hanging poll rejects at once', async () => {
    const controller = new AbortController();
    const { fetchTask } = scripted('hang');
    const done = waitForTask(deps(fetchTask), { taskId: 't-1', schedule, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await expect(done).rejects.toBeInstanceOf(AbortError);
  });

  it('an already-aborted signal rejects before any poll', async () => {
    const { fetchTask } = scripted(task('SUCCEEDED'));
    await expect(
      waitForTask(deps(fetchTask), { taskId: 't-1', schedule, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(fetchTask).not.toHaveBeenCalled();
  });

  it('leaves no abort listener on the caller signal', async () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const { fetchTask } = scripted(task('RUNNING'), task('RUNNING'), task('SUCCEEDED'));
    const done = waitForTask(deps(fetchTask), {
      taskId: 't-1',
      schedule,
      signal: controller.signal,
      timeout: 60_000,
    });
    await vi.runAllTimersAsync();
    await done;
    expect(add.mock.calls.length).toBeGreaterThan(0);
    expect(remove.mock.calls.length).toBe(add.mock.calls.length);
  });
});

describe('waitForTask with an end detector', () => {
  it('never reports a status going back: a sweep older than the last poll cannot undo RUNNING', async () => {
    let tell: ((sighting: TaskSighting) => void) | undefined;
    const detector: EndDetector = {
      watch: (_taskId, _submittedAt, onSighting) => {
        tell = onSighting;
        return () => {};
      },
      backstopMs: () => 0,
      missed: () => {},
      close: async () => {},
    };
    const { fetchTask } = scripted(task('RUNNING'), task('RUNNING'), task('SUCCEEDED'));
    const seen: string[] = [];
    const done = waitForTask(deps(fetchTask, { detector }), {
      taskId: 't-1',
      schedule,
      submittedAt: 0,
      onProgress: (event) => seen.push(event.status),
    });
    await vi.advanceTimersByTimeAsync(0); // the first poll: RUNNING
    tell?.({ taskId: 't-1', status: 'PENDING' }); // listed before that poll
    tell?.({ taskId: 't-1', status: 'RUNNING' });
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(done).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
  });
});
