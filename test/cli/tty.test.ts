/**
 * The live status line through a whole run, in process: runCli with a stderr that says it is a
 * terminal, against the emulator. (A pseudo-terminal for the spawned binary would need a native
 * module; the spawned tests cover the plain-line mode.)
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { AUDIO, emulator, IMAGE, KEY } from './helpers.js';

const CLEAR_LINE = '\r\x1b[2K';

function terminal(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 100, write: (text: string) => writes.push(text) } };
}

describe('on a terminal', () => {
  it('redraws one status line in place and erases it before the result', async () => {
    const emu = await emulator();
    const stdout = terminal(true);
    const stderr = terminal(true);
    const code = await runCli(['generate', '--image', IMAGE, '--audio', AUDIO, '--base-url', emu.baseURL], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { DASHSCOPE_API_KEY: KEY },
      interrupt: new AbortController().signal,
    });
    expect(code).toBe(0);
    const taskId = emu.tasks.all()[0]?.id;
    const redraws = stderr.writes.filter(
      (text) => text.startsWith(CLEAR_LINE) && text.length > CLEAR_LINE.length,
    );
    const lines = redraws.map((text) => text.slice(CLEAR_LINE.length));
    expect(lines.some((line) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] {2}submitting… {2}SUBMITTING {2}\d+s$/.test(line))).toBe(true);
    expect(redraws.some((text) => text.includes(`task ${taskId}  PENDING  `))).toBe(true);
    // Redraws never add a line; only the permanent messages end with one.
    expect(redraws.every((text) => !text.includes('\n'))).toBe(true);
    expect(stderr.writes).toContain(`submitted task ${taskId}\n`);
    // The line is erased last, so the shell prompt starts on a clean line.
    expect(stderr.writes.at(-1)).toBe(CLEAR_LINE);
    expect(stdout.writes).toHaveLength(1);
    expect(stdout.writes[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results\//);
  });

  it('--json still prints nothing but the JSON', async () => {
    const emu = await emulator();
    const stdout = terminal(true);
    const stderr = terminal(true);
    const code = await runCli(['detect', '--image', IMAGE, '--json', '--base-url', emu.baseURL], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { DASHSCOPE_API_KEY: KEY },
      interrupt: new AbortController().signal,
    });
    expect(code).toBe(0);
    expect(stderr.writes).toEqual([]);
    expect(JSON.parse(stdout.writes.join(''))).toMatchObject({ ok: true, command: 'detect', pass: true });
  });
});
