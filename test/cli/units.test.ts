/**
 * The CLI's pure parts, in process: durations, the error → exit code table (every documented code,
 * including 1, which no emulator fault can produce), and the live status line on a fake terminal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatElapsed, parseDuration } from '../../src/cli/duration.js';
import { UsageError } from '../../src/cli/errors.js';
import { EXIT, EXIT_CODE_TABLE, exitCodeFor } from '../../src/cli/exit-codes.js';
import { describeFailure } from '../../src/cli/failure.js';
import { chooseMode, Reporter } from '../../src/cli/output.js';
import {
  AbortError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  ConnectionError,
  ImageRejectedError,
  InternalServerError,
  MediaUnreachableError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  ResultExpiredError,
  SaveFailedError,
  TaskCanceledError,
  TaskFailedError,
  TaskUnknownError,
  ValidationError,
  WaitTimeoutError,
} from '../../src/index.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['2500', 2_500],
    [' 2M ', 120_000],
    ['none', null],
  ])('%j → %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '-5s', '5 m', '1d', 's', '1h 30m'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats elapsed time for the status line', () => {
    expect([0, 7_900, 125_000, 3_720_000].map(formatElapsed)).toEqual(['0s', '7s', '2m05s', '1h02m']);
  });
});

describe('exitCodeFor', () => {
  const api = (Class: typeof APIError, status: number, code: string) =>
    new Class('x', { status, code, requestId: 'r' });
  const task = { taskId: 't' };

  it.each([
    [new Error('bug'), EXIT.OTHER],
    ['a string', EXIT.OTHER],
    [new UsageError('x'), EXIT.USAGE],
    [new ValidationError([{ path: 'videoFps', message: 'x' }]), EXIT.USAGE],
    [api(BadRequestError, 400, 'InvalidParameter'), EXIT.USAGE],
    [api(APIError, 413, 'BadRequest.TooLarge'), EXIT.USAGE],
    [api(APIError, 415, 'BadRequest.InputDownloadFailed'), EXIT.USAGE],
    [new MediaUnreachableError({ url: 'https://e/x.png', status: 404 }), EXIT.USAGE],
    [new ConfigurationError('x'), EXIT.AUTH_CONFIG],
    [api(AuthenticationError, 401, 'InvalidApiKey'), EXIT.AUTH_CONFIG],
    [api(PermissionDeniedError, 403, 'AccessDenied'), EXIT.AUTH_CONFIG],
    [api(NotFoundError, 404, 'WorkSpaceNotFound'), EXIT.AUTH_CONFIG],
    [api(BadRequestError, 400, 'Arrearage'), EXIT.AUTH_CONFIG],
    [api(RateLimitError, 429, 'PrepaidBillOverdue'), EXIT.AUTH_CONFIG],
    [api(RateLimitError, 429, 'Throttling.RateQuota'), EXIT.RATE_LIMIT],
    [new TaskFailedError({ ...task, code: 'InvalidURL', message: 'x' }), EXIT.TASK],
    [new TaskCanceledError(task), EXIT.TASK],
    [new TaskUnknownError(task), EXIT.TASK],
    [new ImageRejectedError('No human face detected.', 'r'), EXIT.TASK],
    [api(BadRequestError, 400, 'UnsupportedOperation'), EXIT.TASK],
    [new WaitTimeoutError({ ...task, lastStatus: 'RUNNING', timeoutMs: 1 }), EXIT.WAIT_TIMEOUT],
    [new ResultExpiredError({ url: 'https://e/v.mp4', status: 403 }), EXIT.TASK],
    [new ConnectionError('x'), EXIT.NETWORK_SERVER],
    [new MediaUnreachableError({ url: 'https://e/x.png', status: undefined }), EXIT.NETWORK_SERVER],
    [new MediaUnreachableError({ url: 'https://e/x.png', status: 502 }), EXIT.NETWORK_SERVER],
    [new RequestTimeoutError('x'), EXIT.NETWORK_SERVER],
    [api(InternalServerError, 503, 'ModelUnavailable'), EXIT.NETWORK_SERVER],
    [api(APIError, 408, 'RequestTimeOut'), EXIT.NETWORK_SERVER],
    [api(APIError, 200, 'InvalidResponse'), EXIT.NETWORK_SERVER],
    [
      new SaveFailedError({ path: '/v.mp4', videoUrl: 'https://v', taskId: 't', reason: 'x' }),
      EXIT.SAVE_FAILED,
    ],
    [new AbortError('x'), EXIT.INTERRUPTED],
  ])('%s → %i', (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });

  it('documents every code it can return, once', () => {
    const documented = EXIT_CODE_TABLE.map(([code]) => code);
    expect(documented.toSorted((a, b) => a - b)).toEqual(Object.values(EXIT).toSorted((a, b) => a - b));
  });
});

describe('Reporter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function fakeTerminal() {
    const writes: string[] = [];
    return { writes, stream: { isTTY: true, columns: 60, write: (text: string) => writes.push(text) } };
  }

  it('uses the live line only on a terminal, and never with --json or TERM=dumb', () => {
    const tty = { isTTY: true, write: () => true };
    expect(chooseMode(false, tty, {})).toBe('tty');
    expect(chooseMode(false, tty, { TERM: 'dumb' })).toBe('plain');
    expect(chooseMode(false, { write: () => true }, {})).toBe('plain');
    expect(chooseMode(true, tty, {})).toBe('json');
  });

  it('redraws one line in place with a spinner, the task, its status and the elapsed time', () => {
    vi.useFakeTimers();
    let now = 0;
    const err = fakeTerminal();
    const out = fakeTerminal();
    const reporter = new Reporter({ mode: 'tty', stdout: out.stream, stderr: err.stream, now: () => now });
    reporter.track('task-1', 'PENDING');
    now = 65_000;
    vi.advanceTimersByTime(80);
    reporter.progress('RUNNING');
    const frames = err.writes.filter((text) => text.startsWith('\r\x1b[2K') && text.length > 5);
    expect(frames[0]).toBe('\r\x1b[2K⠋  task task-1  PENDING  0s');
    expect(frames[1]).toBe('\r\x1b[2K⠙  task task-1  PENDING  1m05s');
    expect(frames.at(-1)).toBe('\r\x1b[2K⠙  task task-1  RUNNING  1m05s');
    expect(frames.every((frame) => !frame.includes('\n') && frame.length <= 6 + 59)).toBe(true);

    // A permanent line goes above the live line, which is then drawn again.
    err.writes.length = 0;
    reporter.info('submitted task task-1');
    expect(err.writes).toEqual([
      '\r\x1b[2K',
      'submitted task task-1\n',
      '\r\x1b[2K⠙  task task-1  RUNNING  1m05s',
    ]);

    // stop() erases the line and stops the timer: nothing more is written.
    err.writes.length = 0;
    reporter.result('wait', {}, 'https://video');
    expect(err.writes).toEqual(['\r\x1b[2K']);
    vi.advanceTimersByTime(1_000);
    expect(err.writes).toEqual(['\r\x1b[2K']);
    expect(out.writes).toEqual(['https://video\n']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes one plain line per status change when not a terminal', () => {
    const err = fakeTerminal();
    const reporter = new Reporter({
      mode: 'plain',
      stdout: fakeTerminal().stream,
      stderr: err.stream,
      now: () => 0,
    });
    reporter.track('task-1', 'PENDING');
    reporter.progress('PENDING');
    reporter.progress('RUNNING');
    reporter.detail('3.0 MB');
    expect(err.writes).toEqual(['task task-1: RUNNING (0s)\n']);
  });

  it('redacts a registered secret from everything it writes', () => {
    const out = fakeTerminal();
    const reporter = new Reporter({ mode: 'json', stdout: out.stream, stderr: fakeTerminal().stream });
    reporter.addSecret('sk-secret-1234');
    reporter.failure('status', { error: { message: 'key sk-secret-1234 refused' } }, []);
    expect(out.writes.join('')).not.toContain('sk-secret-1234');
    expect(out.writes.join('')).toContain('key *** refused');
  });
});

describe('describeFailure of the SDK SaveFailedError', () => {
  it('speaks the CLI: the path and reason, the URL, and `liveportrait wait <id> --out PATH`', () => {
    const error = new SaveFailedError({
      path: '/out/v.mp4',
      videoUrl: 'https://oss.example/v.mp4?Signature=s',
      taskId: 'task-7',
      reason: 'the directory /out does not exist',
    });
    const view = describeFailure(error);
    expect(view.exitCode).toBe(EXIT.SAVE_FAILED);
    expect(view.lines).toEqual([
      'liveportrait: could not save the video to /out/v.mp4: the directory /out does not exist',
      'video URL (valid 24 h): https://oss.example/v.mp4?Signature=s',
      'retry the download with: liveportrait wait task-7 --out PATH',
    ]);
    expect(view.json).toMatchObject({ taskId: 'task-7', error: { videoUrl: error.videoUrl } });
  });
});
