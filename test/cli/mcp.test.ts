/**
 * `liveportrait mcp` as MCP clients use it: the built command, spawned and driven by the MCP SDK's own
 * Client over stdio, against the emulator on a loopback port. Task time is the emulator's manual clock,
 * so every step waits for an event (a notification, a log line), never for a guessed duration.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, type RunningEmulator } from '../../src/testing/index.js';
import { AUDIO, emulator, fixture, IMAGE } from './helpers.js';
import { assertBuiltWithMcp, connectMcp, progressLog, textOf, until } from './mcp-helpers.js';

beforeAll(assertBuiltWithMcp);

const TOOLS = ['check_portrait', 'generate_talking_video', 'get_task', 'inspect_media', 'wait_for_task'];
/** Emulator time a default task spends queued, then running (5 s of audio). */
const QUEUE_MS = 4_000;
const RUN_MS = 4_000 + 2_000 * 5;

/** Requests a wait makes: task queries, and the list queries that watch several waits at once. */
function pollsOf(emu: RunningEmulator): number {
  return emu.log.filter((entry) => entry.route === 'query' || entry.route === 'list').length;
}

describe('tools/list', () => {
  it('lists the five tools with zod-made input and output schemas and annotations', async () => {
    const { client } = await connectMcp({ emu: await emulator() });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
    const generate = tools.find((tool) => tool.name === 'generate_talking_video');
    expect(generate?.description).toContain('expires 24 hours');
    expect(generate?.description).toContain('wait_for_task');
    expect(generate?.annotations).toMatchObject({
      readOnlyHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
    const input = generate?.inputSchema as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    expect(Object.keys(input.properties).sort()).toEqual(
      [
        'audio',
        'cancel_on_abort',
        'detect',
        'eye_move_freq',
        'head_move_strength',
        'image',
        'mouth_move_strength',
        'paste_back',
        'template_id',
        'timeout_seconds',
        'video_fps',
      ].sort(),
    );
    expect(input.required.sort()).toEqual(['audio', 'image']);
    expect(input).toMatchObject({ additionalProperties: false });
    expect(input.properties.video_fps).toMatchObject({ type: 'integer', minimum: 15, maximum: 30 });
    expect(input.properties.mouth_move_strength).toMatchObject({ minimum: 0, maximum: 1.5 });
    expect(input.properties.template_id).toMatchObject({ enum: ['normal', 'calm', 'active'] });
    expect(Object.keys(generate?.outputSchema?.properties ?? {})).toEqual(
      expect.arrayContaining(['task_id', 'status', 'video_url', 'video_duration']),
    );
    for (const name of ['get_task', 'wait_for_task', 'inspect_media']) {
      expect(tools.find((tool) => tool.name === name)?.annotations).toMatchObject({ readOnlyHint: true });
    }
  });
});

describe('generate_talking_video', () => {
  it('reports progress (status changes and periodic elapsed time) and returns a resource_link', async () => {
    const clock = createManualClock();
    const emu = await emulator({ now: clock.now, queueMs: QUEUE_MS, runMs: RUN_MS });
    // Heartbeats every 250 ms against a client that gives up after 5 s without one.
    const { client } = await connectMcp({ emu, args: ['--progress-interval', '250ms'] });
    const progress = progressLog();
    const call = client.callTool(
      { name: 'generate_talking_video', arguments: { image: IMAGE, audio: AUDIO, video_fps: 30 } },
      undefined,
      { onprogress: progress.onprogress, timeout: 5_000, resetTimeoutOnProgress: true },
    );

    const submitted = await progress.waitFor((event) => /PENDING/.test(event.message ?? ''));
    const taskId = /task (\S+) PENDING/.exec(submitted.message ?? '')?.[1] ?? '';
    expect(emu.tasks.get(taskId)?.parameters).toEqual({ video_fps: 30 });
    // Still PENDING (the clock stands still) well past the client's 5 s timeout: the heartbeats kept it waiting.
    await progress.waitFor((event) => event.progress >= 6);
    clock.advance(QUEUE_MS);
    await progress.waitFor((event) => (event.message ?? '').startsWith(`task ${taskId} RUNNING`));
    clock.advance(RUN_MS);
    const result = await call;

    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as Record<string, unknown>;
    expect(structured).toMatchObject({ task_id: taskId, status: 'SUCCEEDED', done: true, video_duration: 5 });
    expect(result.content).toContainEqual(
      expect.objectContaining({ type: 'resource_link', uri: structured.video_url, mimeType: 'video/mp4' }),
    );
    expect(textOf(result)).toContain('expires 24 hours');
    const values = progress.events.map((event) => event.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    expect(
      progress.events.filter((event) => /PENDING, \d+ s elapsed/.test(event.message ?? '')).length,
    ).toBeGreaterThan(3);
    // The link serves the video.
    const video = await fetch(String(structured.video_url));
    expect(video.status).toBe(200);
    await video.arrayBuffer();
  }, 90_000);

  it('returns the task id, not an error, when timeout_seconds runs out; wait_for_task and get_task resume', async () => {
    const clock = createManualClock();
    const emu = await emulator({ now: clock.now, queueMs: QUEUE_MS, runMs: RUN_MS });
    const { client } = await connectMcp({ emu });
    const first = await client.callTool({
      name: 'generate_talking_video',
      arguments: { image: IMAGE, audio: AUDIO, timeout_seconds: 1 },
    });
    expect(first.isError).toBeFalsy();
    const taskId = String((first.structuredContent as { task_id: string }).task_id);
    expect(first.structuredContent).toMatchObject({ done: false });
    expect(textOf(first)).toContain(`Call wait_for_task with task_id "${taskId}"`);

    const status = await client.callTool({ name: 'get_task', arguments: { task_id: taskId } });
    expect(status.structuredContent).toMatchObject({ task_id: taskId, status: 'PENDING', done: false });

    clock.advance(QUEUE_MS + RUN_MS);
    const done = await client.callTool({ name: 'wait_for_task', arguments: { task_id: taskId } });
    expect(done.structuredContent).toMatchObject({ task_id: taskId, status: 'SUCCEEDED', done: true });
    expect(done.content).toContainEqual(expect.objectContaining({ type: 'resource_link' }));
    expect(emu.tasks.all()).toHaveLength(1);
  }, 60_000);

  it('a FAILED task is a tool error with DashScope’s code; get_task reports it as an answer', async () => {
    const emu = await emulator();
    const { client } = await connectMcp({ emu });
    const result = await client.callTool({
      name: 'generate_talking_video',
      arguments: { image: IMAGE, audio: 'https://example.com/fail.mp3' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/TaskFailedError: Task \S+ failed: \w+/);
    const taskId = emu.tasks.all()[0]?.id ?? '';
    const status = await client.callTool({ name: 'get_task', arguments: { task_id: taskId } });
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent).toMatchObject({ status: 'FAILED', done: true });
  });
});

describe('cancellation', () => {
  it('stops polling when the client cancels; cancels the task only with cancel_on_abort while PENDING', async () => {
    const clock = createManualClock();
    const emu = await emulator({ now: clock.now, queueMs: QUEUE_MS, runMs: RUN_MS });
    const session = await connectMcp({ emu });
    const start = (cancelOnAbort: boolean) => {
      const progress = progressLog();
      const abort = new AbortController();
      const args = { image: IMAGE, audio: AUDIO, ...(cancelOnAbort ? { cancel_on_abort: true } : {}) };
      const call = session.client.callTool({ name: 'generate_talking_video', arguments: args }, undefined, {
        onprogress: progress.onprogress,
        signal: abort.signal,
      });
      return {
        progress,
        abort,
        call: call.then(
          () => 'resolved',
          () => 'rejected',
        ),
      };
    };
    const calls = [start(true), start(false)];
    const ids: string[] = [];
    for (const { progress } of calls) {
      const event = await progress.waitFor((e) => /task \S+ PENDING/.test(e.message ?? ''));
      ids.push(/task (\S+)/.exec(event.message ?? '')?.[1] ?? '');
    }
    const [canceledId = '', keptId = ''] = ids;
    // The waits are polling: there is something to stop.
    await until(() => pollsOf(emu) > 0);

    for (const { abort } of calls) abort.abort('user stopped it');
    expect(await Promise.all(calls.map(({ call }) => call))).toEqual(['rejected', 'rejected']);
    await session.waitForLog(new RegExp(`stopped waiting for task ${canceledId} and canceled it`));
    await session.waitForLog(new RegExp(`stopped waiting for task ${keptId}; it keeps running`));
    expect(emu.tasks.get(canceledId)?.status).toBe('CANCELED');
    expect(emu.tasks.get(keptId)?.status).toBe('PENDING');

    // No poll after the waits stopped: longer than the longest gap between polls (5 s + 10 % jitter).
    const polls = pollsOf(emu);
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    expect(pollsOf(emu)).toBe(polls);
    // The server is still serving.
    expect((await session.client.listTools()).tools).toHaveLength(5);
  }, 90_000);
});

describe('bad input is a tool error with the library’s message, before anything is sent', () => {
  it.each([
    [{ video_fps: 99 }, /must be an integer from 15 to 30 \(inclusive\); got 99 at video_fps/],
    [{ template_id: 'sleepy' }, /must be one of normal, calm, active; got "sleepy" at template_id/],
    [
      { mouth_move_strength: 2 },
      /must be a number from 0 to 1\.5 \(inclusive\); got 2 at mouth_move_strength/,
    ],
    [{ videoFps: 24 }, /videoFps/],
    [
      { audio: '/nowhere/missing.mp3' },
      /Invalid input: audio: cannot be read from "\/nowhere\/missing.mp3": no such file/,
    ],
    [{ image: fixture('face.gif') }, /Invalid input: image: format is gif; allowed: JPEG, PNG, BMP, WebP/],
    [{ image: 'ftp://example.com/face.png' }, /image/],
  ])('%j', async (change, message) => {
    const emu = await emulator();
    const { client } = await connectMcp({ emu });
    const result = await client.callTool({
      name: 'generate_talking_video',
      arguments: { image: IMAGE, audio: AUDIO, ...change },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(emu.tasks.all()).toHaveLength(0);
    expect(emu.stats.requests).toBe(0);
  });

  it('a bad task id', async () => {
    const emu = await emulator();
    const { client } = await connectMcp({ emu });
    const result = await client.callTool({ name: 'get_task', arguments: { task_id: '../x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('task_id: must not contain "/"');
    expect(emu.stats.requests).toBe(0);
  });
});

describe('check_portrait and inspect_media', () => {
  it('check_portrait: a pass, and a rejection that is an answer, not an error', async () => {
    const { client } = await connectMcp({ emu: await emulator() });
    const pass = await client.callTool({ name: 'check_portrait', arguments: { image: IMAGE } });
    expect(pass.structuredContent).toMatchObject({ pass: true });
    const rejected = await client.callTool({
      name: 'check_portrait',
      arguments: { image: 'https://example.com/noface.png' },
    });
    expect(rejected.isError).toBeFalsy();
    expect(rejected.structuredContent).toMatchObject({ pass: false });
    expect(textOf(rejected)).toContain('The portrait was rejected:');
  });

  it('inspect_media measures local files; a file over a limit is a tool error naming it', async () => {
    const emu = await emulator();
    const { client } = await connectMcp({ emu });
    const report = await client.callTool({
      name: 'inspect_media',
      arguments: { image: fixture('face.png'), audio: fixture('voice.wav') },
    });
    expect(report.isError).toBeFalsy();
    expect(report.structuredContent).toMatchObject({
      image: { format: 'png', width: expect.any(Number), height: expect.any(Number) },
      audio: { format: 'wav', duration_sec: expect.any(Number) },
    });
    const bad = await client.callTool({
      name: 'inspect_media',
      arguments: { image: fixture('face.png'), audio: fixture('voice.flac') },
    });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('audio: format is flac');
    expect(emu.stats.requests).toBe(0);
  });
});

describe('the API key', () => {
  it('a refused key is a tool error that never shows the key', async () => {
    const wrongKey = 'sk-wrong-key-9d3e1a7c55';
    const emu = await emulator();
    const session = await connectMcp({ emu, env: { DASHSCOPE_API_KEY: wrongKey } });
    const result = await session.client.callTool({ name: 'get_task', arguments: { task_id: 'abc' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('AuthenticationError');
    expect(textOf(result)).toContain('InvalidApiKey');
    expect(session.stderr() + session.messages().join('\n')).not.toContain(wrongKey);
  });
});
