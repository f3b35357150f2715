/**
 * Each command end to end against the emulator: what lands on stdout (the result only), on stderr
 * (progress), the --json object, and exit code 0.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleVideo } from '../../src/testing/index.js';
import { AUDIO, assertBuilt, cli, emulator, FOREVER, fixture, IMAGE, jsonOf, KEY } from './helpers.js';

beforeAll(assertBuilt);

const VIDEO_URL = /^http:\/\/127\.0\.0\.1:\d+\/results\/[\w-]+\.mp4\?\S+$/;

describe('generate', () => {
  it('prints only the video URL on stdout, and the task and its progress on stderr', async () => {
    const emu = await emulator();
    const result = await cli(['generate', '--image', IMAGE, '--audio', AUDIO], { emu });
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd()).toMatch(VIDEO_URL);
    const [task] = emu.tasks.all();
    expect(result.stderr).toContain(`submitted task ${task?.id}\n`);
    expect(result.stderr).toMatch(new RegExp(`task ${task?.id}: SUCCEEDED`));
    // Not a terminal: no carriage returns or escape codes in the log.
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr).not.toContain('\u001b');
  });

  it('sends every parameter flag to DashScope', async () => {
    const emu = await emulator();
    const flags = ['--template', 'calm', '--fps', '30', '--eye-freq', '0.2', '--mouth', '1.5', '--head', '0'];
    const result = await cli(['generate', '--image', IMAGE, '--audio', AUDIO, ...flags, '--no-paste-back'], {
      emu,
    });
    expect(result.code).toBe(0);
    expect(emu.tasks.all()[0]?.parameters).toEqual({
      template_id: 'calm',
      video_fps: 30,
      eye_move_freq: 0.2,
      mouth_move_strength: 1.5,
      head_move_strength: 0,
      paste_back: false,
    });
  });

  it('--json prints one object and nothing on stderr', async () => {
    const emu = await emulator();
    const result = await cli(['generate', '--image', IMAGE, '--audio', AUDIO, '--detect', '--json'], { emu });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(jsonOf(result)).toEqual({
      ok: true,
      command: 'generate',
      taskId: emu.tasks.all()[0]?.id,
      requestId: expect.any(String),
      videoUrl: expect.stringMatching(VIDEO_URL),
      videoDuration: 5,
      videoRatio: 'standard',
      submitTime: expect.any(String),
      scheduledTime: expect.any(String),
      endTime: expect.any(String),
    });
  });

  it('reads the key from --api-key-file', async () => {
    const emu = await emulator();
    const file = join(mkdtempSync(join(tmpdir(), 'lp-cli-')), 'key');
    writeFileSync(file, `${KEY}\n`, { mode: 0o600 });
    const result = await cli(['detect', '--image', IMAGE, '--api-key-file', file], {
      emu,
      env: { DASHSCOPE_API_KEY: undefined },
    });
    expect(result).toMatchObject({ code: 0, stdout: 'pass\n' });
  });
});

describe('generate with local files and --out', () => {
  it('uploads the files, waits, saves the video and prints its path', async () => {
    const emu = await emulator();
    const out = join(mkdtempSync(join(tmpdir(), 'lp-cli-')), 'video.mp4');
    const args = ['generate', '--image', fixture('face.png'), '--audio', fixture('voice.wav'), '--out', out];
    const result = await cli(args, { emu });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${out}\n`);
    expect(new Uint8Array(readFileSync(out))).toEqual(sampleVideo());
    expect(emu.tasks.all()[0]?.imageUrl).toMatch(/^oss:\/\//);
  });

  it('wait --out --json reports the saved file', async () => {
    const emu = await emulator();
    const taskId = (await cli(['submit', '--image', IMAGE, '--audio', AUDIO], { emu })).stdout.trim();
    const out = join(mkdtempSync(join(tmpdir(), 'lp-cli-')), 'video.mp4');
    const result = await cli(['wait', taskId, '--out', out, '--json'], { emu });
    expect(result.code).toBe(0);
    expect(jsonOf(result)).toMatchObject({
      ok: true,
      command: 'wait',
      taskId,
      outputPath: out,
      outputBytes: sampleVideo().byteLength,
    });
  });
});

describe('submit, status, wait, cancel', () => {
  it('submit prints the task id; status and wait pick it up', async () => {
    const emu = await emulator();
    const submitted = await cli(['submit', '--image', IMAGE, '--audio', AUDIO], { emu });
    expect(submitted.code).toBe(0);
    const taskId = submitted.stdout.trim();
    expect(emu.tasks.get(taskId)).toBeDefined();
    expect(submitted.stderr).toContain(`liveportrait wait ${taskId}`);

    const status = await cli(['status', taskId, '--json'], { emu });
    expect(status.code).toBe(0);
    expect(jsonOf(status)).toMatchObject({ ok: true, command: 'status', taskId, status: expect.any(String) });

    const waited = await cli(['wait', taskId], { emu });
    expect(waited.code).toBe(0);
    expect(waited.stdout.trimEnd()).toMatch(VIDEO_URL);

    const done = await cli(['status', taskId], { emu });
    expect(done).toMatchObject({ code: 0, stdout: 'SUCCEEDED\n' });
    expect(done.stderr).toContain('  video:');
  });

  it('submit --json', async () => {
    const emu = await emulator();
    const result = await cli(['submit', '--image', IMAGE, '--audio', AUDIO, '--json'], { emu });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(jsonOf(result)).toEqual({
      ok: true,
      command: 'submit',
      taskId: emu.tasks.all()[0]?.id,
      status: 'PENDING',
      requestId: expect.any(String),
    });
  });

  it('cancel cancels a queued task', async () => {
    const emu = await emulator({ queueMs: FOREVER });
    const taskId = (await cli(['submit', '--image', IMAGE, '--audio', AUDIO], { emu })).stdout.trim();
    const result = await cli(['cancel', taskId, '--json'], { emu });
    expect(result.code).toBe(0);
    expect(jsonOf(result)).toEqual({ ok: true, command: 'cancel', taskId, status: 'CANCELED' });
    expect(emu.tasks.get(taskId)?.status).toBe('CANCELED');
  });

  it('detect prints pass', async () => {
    const emu = await emulator();
    const result = await cli(['detect', '--image', IMAGE, '--json'], { emu });
    expect(result.code).toBe(0);
    expect(jsonOf(result)).toEqual({
      ok: true,
      command: 'detect',
      pass: true,
      message: '',
      requestId: expect.any(String),
    });
  });

  it('sends --workspace as X-DashScope-WorkSpace', async () => {
    // The emulator ignores workspaces, so a bare server records the headers of one image check.
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ output: { pass: true, message: '' }, request_id: 'r-1' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const baseURL = `http://127.0.0.1:${port}/api/v1`;
      const args = ['detect', '--image', IMAGE, '--workspace', 'ws-123', '--base-url', baseURL];
      expect((await cli(args)).code).toBe(0);
      expect(seen[0]).toMatchObject({ 'x-dashscope-workspace': 'ws-123', authorization: `Bearer ${KEY}` });
    } finally {
      server.close();
    }
  });
});
