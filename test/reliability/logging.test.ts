/**
 * Debug logging: `DASHSCOPE_LOG=debug` gives one stderr line per event with method, path, status,
 * attempt, request id and timing; whatever logger is used, no key, bearer credential or signed-URL
 * query reaches it, even when a server quotes them in an error.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStderrLogger, loggerFromEnv, redactFields, redactText } from '../../src/logger.js';
import { API_KEY, clientFor, emulator } from '../helpers/setup.js';

const SIGNED = 'https://oss.example.com/out/v.mp4?Expires=1767225600&OSSAccessKeyId=LTAI&Signature=s3cr3t';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('DASHSCOPE_LOG=debug', () => {
  it('writes one stderr line per attempt and retry, with the facts and without secrets', async () => {
    vi.stubEnv('DASHSCOPE_LOG', 'debug');
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const running = await emulator();
    running.faults.next(1, { route: 'query', kind: 'status', status: 503, message: `${API_KEY} ${SIGNED}` });
    await clientFor(running).getTask('t-1');
    expect(lines.every((line) => line.startsWith('dashscope ') && line.endsWith('\n'))).toBe(true);
    expect(lines.every((line) => line.indexOf('\n') === line.length - 1)).toBe(true);
    const retry = lines.find((line) => line.includes(' retrying '));
    const response = lines.find((line) => line.includes(' response '));
    expect(retry).toMatch(/method=GET path=\/tasks\/t-1 .*delayMs=/);
    expect(response).toMatch(
      /method=GET path=\/tasks\/t-1 status=200 attempt=2 requestId=\S+ durationMs=\d+/,
    );
    for (const line of lines) {
      expect(line).not.toContain(API_KEY);
      expect(line).not.toContain('s3cr3t');
    }
  });

  it('is off unless asked for', () => {
    expect(loggerFromEnv({})).toBeUndefined();
    expect(loggerFromEnv({ DASHSCOPE_LOG: 'info' })).toBeUndefined();
    expect(loggerFromEnv({ DASHSCOPE_LOG: ' DEBUG ' })).toBeDefined();
  });
});

describe('any logger gets redacted lines', () => {
  it("the caller's own logger too, when a server quotes the key and a signed URL", async () => {
    const running = await emulator();
    const seen: string[] = [];
    const client = clientFor(running, {
      logger: { debug: (m, f) => seen.push(`${m} ${JSON.stringify(f)}`) },
    });
    running.faults.next(1, {
      route: 'query',
      kind: 'status',
      status: 500,
      message: `Bearer ${API_KEY} ${SIGNED}`,
    });
    await client.getTask('t-1');
    expect(seen.some((line) => line.startsWith('retrying'))).toBe(true);
    for (const line of seen) {
      expect(line).not.toContain(API_KEY);
      expect(line).not.toContain('s3cr3t');
    }
  });

  it('redactText keeps what helps debugging and drops what unlocks something', () => {
    expect(redactText(`GET ${SIGNED} failed`)).toBe(
      'GET https://oss.example.com/out/v.mp4?[redacted] failed',
    );
    expect(redactText('oss://dashscope-instant/abc/face.png?x=1')).toBe(
      'oss://dashscope-instant/abc/face.png?[redacted]',
    );
    expect(redactText('Authorization: Bearer sk-abc')).toBe('Authorization: Bearer [redacted]');
    expect(redactText(`key ${API_KEY}.`)).toBe('key sk-[redacted].');
    expect(redactText('GET /tasks/abc-123 status=200')).toBe('GET /tasks/abc-123 status=200');
  });

  it('redactFields blanks secret-named fields and redacts strings and errors', () => {
    expect(
      redactFields({
        authorization: 'anything',
        apiKey: 'x',
        path: '/tasks/a',
        status: 200,
        url: SIGNED,
        error: new Error(`failed ${SIGNED}`),
      }),
    ).toEqual({
      authorization: '[redacted]',
      apiKey: '[redacted]',
      path: '/tasks/a',
      status: 200,
      url: 'https://oss.example.com/out/v.mp4?[redacted]',
      error: 'Error: failed https://oss.example.com/out/v.mp4?[redacted]',
    });
  });

  it('the stderr logger quotes values with spaces, so one event stays one line', () => {
    const lines: string[] = [];
    createStderrLogger((line) => lines.push(line)).debug('poll failed; will poll again', {
      taskId: 't-1',
      error: 'InternalServerError: 500 InternalError\nsecond line',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^dashscope \S+ poll failed; will poll again taskId=t-1 error="InternalServerError: 500 InternalError\\nsecond line"\n$/,
    );
  });
});
