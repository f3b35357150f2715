/**
 * Every error class reaches the user with its documented exit code, DashScope's code, message and
 * request id, and never the key. Faults come from the emulator's injection API.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/testing/index.js';
import { AUDIO, assertBuilt, cli, emulator, FOREVER, fixture, IMAGE, jsonOf } from './helpers.js';

beforeAll(assertBuilt);

const GENERATE = ['generate', '--image', IMAGE, '--audio', AUDIO];
const SUBMIT = ['submit', '--image', IMAGE, '--audio', AUDIO];
const REQUEST_ID = /request id: [\w-]{8,}/;

describe('exit 2: DashScope refused the input', () => {
  it('HTTP 400 InvalidParameter', async () => {
    const emu = await emulator();
    emu.faults.next(1, { kind: 'status', status: 400, route: 'submit' });
    const result = await cli(SUBMIT, { emu });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('code:       InvalidParameter');
    expect(result.stderr).toMatch(REQUEST_ID);
  });
});

describe('exit 2: unusable media', () => {
  it('a local file that does not exist', async () => {
    const emu = await emulator();
    const result = await cli(['generate', '--image', fixture('face.png'), '--audio', './missing.mp3'], {
      emu,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'liveportrait: invalid input:\n  --audio: cannot be read from "./missing.mp3": no such file\n',
    );
    expect(emu.tasks.all()).toHaveLength(0);
  });

  it('local files in formats the model refuses, each named by its flag', async () => {
    const emu = await emulator();
    const result = await cli(['submit', '--image', fixture('face.gif'), '--audio', fixture('voice.flac')], {
      emu,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('  --image: format is gif; allowed: JPEG, PNG, BMP, WebP');
    expect(result.stderr).toContain('  --audio: format is flac; allowed: WAV, MP3');
    expect(emu.tasks.all()).toHaveLength(0);
  });

  it('--preflight on a URL that answers 404', async () => {
    const emu = await emulator();
    const result = await cli(['detect', '--image', `${emu.url}/missing.png`, '--preflight'], { emu });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MediaUnreachableError');
    expect(result.stderr).toContain('HTTP 404');
  });
});

describe('exit 3: key, permission, configuration', () => {
  it('HTTP 401 from a wrong key, without printing the key', async () => {
    const emu = await emulator();
    const wrong = 'sk-wrong-key-7c1d2e3f4a5b';
    const result = await cli(['detect', '--image', IMAGE], { emu, env: { DASHSCOPE_API_KEY: wrong } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('code:       InvalidApiKey');
    expect(result.stderr).toContain('HTTP:       401');
    expect(result.stderr).toMatch(REQUEST_ID);
    expect(result.stderr).toContain('hint: check DASHSCOPE_API_KEY');
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it('HTTP 401 with --json: code, message and request id, no key', async () => {
    const emu = await emulator();
    const wrong = 'sk-wrong-key-7c1d2e3f4a5b';
    const result = await cli(['status', 'some-task', '--json'], { emu, env: { DASHSCOPE_API_KEY: wrong } });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('');
    expect(jsonOf(result)).toEqual({
      ok: false,
      command: 'status',
      exitCode: 3,
      error: {
        name: 'AuthenticationError',
        message: expect.stringContaining('InvalidApiKey'),
        status: 401,
        code: 'InvalidApiKey',
        requestId: expect.any(String),
      },
    });
    expect(result.stdout).not.toContain(wrong);
  });

  it('HTTP 403 AccessDenied', async () => {
    const emu = await emulator();
    emu.faults.next(1, { kind: 'status', status: 403, route: 'submit' });
    const result = await cli(SUBMIT, { emu });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('code:       AccessDenied');
  });
});

describe('exit 4: rate limited', () => {
  it('HTTP 429 Throttling after the SDK has used its retries', async () => {
    const emu = await emulator();
    emu.faults.next(3, { kind: 'status', status: 429, route: 'detect', headers: { 'Retry-After': '0' } });
    const result = await cli(['detect', '--image', IMAGE], { emu });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('code:       Throttling.RateQuota');
    expect(result.stderr).toMatch(REQUEST_ID);
    expect(result.stderr).toContain('try again in a minute');
  });
});

describe('exit 5: the task or the image', () => {
  it('a FAILED task prints its code and request id', async () => {
    const emu = await emulator();
    const result = await cli(['generate', '--image', IMAGE, '--audio', 'https://example.com/fail.mp3'], {
      emu,
    });
    expect(result.code).toBe(5);
    const taskId = emu.tasks.all()[0]?.id;
    expect(result.stderr).toContain(`liveportrait: Task ${taskId} failed: InvalidURL`);
    expect(result.stderr).toContain('code:       InvalidURL');
    expect(result.stderr).toMatch(REQUEST_ID);
    expect(result.stdout).toBe('');
  });

  it('detect on an image without a face', async () => {
    const emu = await emulator();
    const result = await cli(['detect', '--image', 'https://example.com/noface.png'], { emu });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('the image did not pass the check: No human face detected.');
    expect(result.stderr).toMatch(REQUEST_ID);
  });

  it('generate --detect stops before creating a billed task', async () => {
    const emu = await emulator();
    const result = await cli(
      ['generate', '--image', 'https://example.com/noface.png', '--audio', AUDIO, '--detect', '--json'],
      { emu },
    );
    expect(result.code).toBe(5);
    expect(jsonOf(result)).toMatchObject({
      ok: false,
      exitCode: 5,
      error: { name: 'ImageRejectedError', message: 'No human face detected.' },
    });
    expect(emu.tasks.all()).toHaveLength(0);
  });

  it('waiting for a canceled task, or an unknown one', async () => {
    const emu = await emulator({ queueMs: FOREVER });
    const taskId = (await cli(SUBMIT, { emu })).stdout.trim();
    expect((await cli(['cancel', taskId], { emu })).code).toBe(0);
    const canceled = await cli(['wait', taskId], { emu });
    expect(canceled.code).toBe(5);
    expect(canceled.stderr).toContain(`Task ${taskId} was canceled`);
    const unknown = await cli(['wait', 'no-such-task'], { emu });
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('never existed or has expired');
  });

  it('status of a task DashScope does not know (UNKNOWN), as the exit-code table says', async () => {
    const emu = await emulator();
    const unknown = await cli(['status', 'no-such-task'], { emu });
    expect(unknown.code).toBe(5);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('never existed or has expired');
    const json = jsonOf(await cli(['status', 'no-such-task', '--json'], { emu }));
    expect(json).toMatchObject({ ok: false, exitCode: 5, taskId: 'no-such-task' });
    expect(json.error).toMatchObject({ name: 'TaskUnknownError' });
  });

  it('cancel of a running task (DashScope cancels only PENDING ones)', async () => {
    const emu = await emulator({ queueMs: 0, runMs: FOREVER });
    const taskId = (await cli(SUBMIT, { emu })).stdout.trim();
    const result = await cli(['cancel', taskId], { emu });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('code:       UnsupportedOperation');
  });

  it('--out after the video link expired (24 h on DashScope)', async () => {
    // The emulator's clock, not real time, carries the task past its link's expiry (the emulator rounds
    // `Expires` up to whole seconds, so waiting for real time would need a full second on a loaded machine).
    const clock = createManualClock(Date.now());
    const emu = await emulator({ now: clock.now, resultUrlTtlMs: 60_000 });
    const taskId = (await cli(SUBMIT, { emu })).stdout.trim();
    clock.advance(1_000); // queue 100 ms + run 200 ms: SUCCEEDED, its link still valid
    const fresh = await cli(['wait', taskId], { emu });
    expect(fresh.code).toBe(0);
    const videoUrl = fresh.stdout.trim();
    expect((await fetch(videoUrl, { method: 'HEAD' })).status).toBe(200);
    clock.advance(2 * 60_000); // well past the link's 60 s
    expect((await fetch(videoUrl, { method: 'HEAD' })).status).toBe(403);
    const out = join(mkdtempSync(join(tmpdir(), 'lp-cli-')), 'video.mp4');
    const result = await cli(['wait', taskId, '--out', out], { emu });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('ResultExpiredError');
    expect(existsSync(out)).toBe(false);
  });
});

describe('exit 6: wait timeout', () => {
  it('prints how to resume; the task is left alone', async () => {
    const emu = await emulator({ runMs: FOREVER });
    const result = await cli([...GENERATE, '--timeout', '1500ms'], { emu });
    expect(result.code).toBe(6);
    const taskId = emu.tasks.all()[0]?.id;
    expect(result.stderr).toContain(`gave up waiting for task ${taskId} (--timeout;`);
    expect(result.stderr).toContain(`resume with: liveportrait wait ${taskId}`);
    expect(emu.tasks.get(String(taskId))?.status).toBe('RUNNING');
  });

  it('--json carries the task id and the resume command', async () => {
    const emu = await emulator({ runMs: FOREVER });
    const taskId = (await cli(SUBMIT, { emu })).stdout.trim();
    const result = await cli(['wait', taskId, '--timeout', '0.2s', '--json'], { emu });
    expect(result.code).toBe(6);
    expect(jsonOf(result)).toMatchObject({
      ok: false,
      command: 'wait',
      exitCode: 6,
      error: { name: 'WaitTimeoutError', taskId },
      taskId,
      resume: `liveportrait wait ${taskId}`,
    });
  });
});

describe('exit 7: network or server', () => {
  it('HTTP 500 on submit (never retried: it might have created a job)', async () => {
    const emu = await emulator();
    emu.faults.next(1, { kind: 'status', status: 500, route: 'submit' });
    const result = await cli(SUBMIT, { emu });
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('code:       InternalError');
    expect(result.stderr).toContain('HTTP:       500');
    expect(result.stderr).toMatch(REQUEST_ID);
  });

  it('connection refused', async () => {
    const port = await closedPort();
    const result = await cli(['status', 'abc', '--base-url', `http://127.0.0.1:${port}/api/v1`]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/ConnectionError/);
  });
});

describe('exit 8: the video exists but --out could not be written', () => {
  it('prints the URL and how to download again without paying twice', async () => {
    const emu = await emulator();
    // The SDK retries a download twice: three failures exhaust it.
    emu.faults.next(3, { kind: 'status', status: 500, route: 'result' });
    const out = join(mkdtempSync(join(tmpdir(), 'lp-cli-')), 'video.mp4');
    const result = await cli([...GENERATE, '--out', out], { emu });
    expect(result.code).toBe(8);
    const taskId = emu.tasks.all()[0]?.id;
    expect(result.stderr).toContain(`could not save the video to ${out}`);
    expect(result.stderr).toMatch(/video URL \(valid 24 h\): http:\/\/127\.0\.0\.1/);
    expect(result.stderr).toContain(`liveportrait wait ${taskId} --out PATH`);
    expect(existsSync(out)).toBe(false);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
