/**
 * Ctrl-C during a wait: exit 130, the task id and how to resume, and the task left running unless
 * --cancel-on-abort. Tasks stay queued for good, so they could be canceled: the test proves the
 * CLI chose not to.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTUALLY } from '../helpers/timing.js';
import { AUDIO, assertBuilt, emulator, FOREVER, IMAGE, jsonOf, spawnCli } from './helpers.js';

beforeAll(assertBuilt);

const GENERATE = ['generate', '--image', IMAGE, '--audio', AUDIO];
const SUBMITTED = /submitted task ([\w-]+)/;

describe('SIGINT', () => {
  it('during generate: exit 130, resume hint, task not canceled', async () => {
    const emu = await emulator({ queueMs: FOREVER });
    const run = spawnCli([...GENERATE, '--out', 'my video.mp4'], { emu });
    const [, taskId] = await run.waitFor(SUBMITTED);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('liveportrait: interrupted');
    expect(result.stderr).toContain(`task ${taskId} keeps running`);
    expect(result.stderr).toContain(`resume with: liveportrait wait ${taskId} --out 'my video.mp4'`);
    expect(emu.tasks.get(String(taskId))?.status).toBe('PENDING');
    expect(emu.log.filter((entry) => entry.route === 'cancel')).toEqual([]);
  });

  it('with --cancel-on-abort: cancels the queued task', async () => {
    const emu = await emulator({ queueMs: FOREVER });
    const run = spawnCli([...GENERATE, '--cancel-on-abort'], { emu });
    const [, taskId] = await run.waitFor(SUBMITTED);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`canceled task ${taskId}`);
    expect(emu.tasks.get(String(taskId))?.status).toBe('CANCELED');
  });

  it('during wait --json: one JSON object with the resume command', async () => {
    const emu = await emulator({ queueMs: FOREVER });
    const submit = spawnCli(['submit', '--image', IMAGE, '--audio', AUDIO], { emu });
    const taskId = (await submit.done).stdout.trim();
    const run = spawnCli(['wait', taskId, '--json'], { emu });
    // JSON mode prints nothing until the end; the first poll reaching the emulator means it waits.
    await vi.waitFor(() => expect(emu.log.some((entry) => entry.route === 'query')).toBe(true), EVENTUALLY);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('');
    expect(jsonOf(result)).toEqual({
      ok: false,
      command: 'wait',
      exitCode: 130,
      error: { name: 'AbortError', message: 'interrupted' },
      taskId,
      resume: `liveportrait wait ${taskId}`,
    });
    expect(emu.tasks.get(taskId)?.status).toBe('PENDING');
  });

  it('while the submit is in flight: says no task id was received', async () => {
    const emu = await emulator();
    emu.faults.next(1, { kind: 'hang', route: 'submit' });
    const run = spawnCli(GENERATE, { emu });
    await vi.waitFor(() => expect(emu.stats.requests).toBeGreaterThan(0), EVENTUALLY);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('no task id was received');
  });

  it('a second Ctrl-C exits at once, even while --cancel-on-abort is still canceling', async () => {
    const emu = await emulator({ queueMs: FOREVER });
    emu.faults.next(1, { kind: 'hang', route: 'cancel' });
    const run = spawnCli([...GENERATE, '--cancel-on-abort'], { emu });
    await run.waitFor(SUBMITTED);
    run.child.kill('SIGINT');
    await vi.waitFor(() => expect(emu.log.some((entry) => entry.route === 'cancel')).toBe(true), EVENTUALLY);
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(130);
  });
});
